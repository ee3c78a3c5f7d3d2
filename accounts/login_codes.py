"""Logging in with a six-digit code sent by SMS: the code's life and the throttle around it.

A code is kept only as a keyed hash (HMAC with SECRET_KEY: a million possible codes would fall to
any plain hash at once), lasts CODE_SECONDS, logs in once and dies after CODE_TRIES wrong tries.
Asking for codes and entering wrong ones are counted per number and per address, for numbers that
are nobody's as for members' numbers, so the throttle answers alike and tells nobody who is known.
Who owns a number and how the SMS goes are for the caller (branch_portal/sms_login.py).
"""

import datetime
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac

from .models import LoginCode, LoginThrottle, User

Kind = LoginThrottle.Kind


@dataclass(frozen=True)
class Limit:
    kind: str
    per: str  # "phone" or "address"
    count: int
    seconds: int


def limits() -> list[Limit]:
    """The throttle's windows, from settings.SMS_LOGIN (each: at most `count` in `seconds`)."""
    return [Limit(*row) for row in settings.SMS_LOGIN["LIMITS"]]


def phone_digest(phone: str) -> str:
    """A keyed hash of the number: the throttle counts a number without keeping it."""
    return salted_hmac("accounts.login_codes.phone", phone, algorithm="sha256").hexdigest()


def _code_hash(code_id: int, code: str) -> str:
    return salted_hmac("accounts.login_codes.code", f"{code_id}:{code}", algorithm="sha256").hexdigest()


def wait_seconds(*, kind: str, phone: str, address: str | None, now: datetime.datetime) -> int:
    """0 when one more `kind` is allowed for the number and the address, else the seconds to wait."""
    wait = 0
    digest = phone_digest(phone)
    for limit in limits():
        if limit.kind != kind or (limit.per == "address" and not address):
            continue
        since = now - datetime.timedelta(seconds=limit.seconds)
        counted = LoginThrottle.objects.filter(kind=kind, at__gt=since)
        if limit.per == "phone":
            counted = counted.filter(phone_digest=digest)
        else:
            counted = counted.filter(address=address)
        times = list(counted.order_by("-at").values_list("at", flat=True)[: limit.count])
        if len(times) >= limit.count:
            wait = max(wait, int((times[-1] - since).total_seconds()) + 1)
    return wait


def throttle_count(*, kind: str, phone: str, address: str | None, now: datetime.datetime) -> None:
    """Counts one ask or one wrong code; counts older than the longest window are dropped."""
    longest = max((limit.seconds for limit in limits()), default=3600)
    LoginThrottle.objects.filter(at__lt=now - datetime.timedelta(seconds=longest)).delete()
    LoginThrottle.objects.create(kind=kind, phone_digest=phone_digest(phone), address=address, at=now)


@transaction.atomic
def code_issue(*, user: User, phone: str, now: datetime.datetime) -> str:
    """A new code for the user, sent to `phone`; returns it in clear (only the hash is kept).

    The codes sent before to the number end: only the latest one logs in.
    """
    LoginCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    seconds = settings.SMS_LOGIN["CODE_SECONDS"]
    row = LoginCode.objects.create(
        user=user, phone=phone, created_at=now, expires_at=now + datetime.timedelta(seconds=seconds)
    )
    row.code_hash = _code_hash(row.pk, code)
    row.save(update_fields=["code_hash"])
    return code


@transaction.atomic
def code_check(*, phone: str, code: str, address: str | None, now: datetime.datetime) -> User | None:
    """The user the code logs in, using the code up; None for a wrong, expired or used code or a number
    no code was sent to. A wrong code counts against the throttle and against the code's tries."""
    latest = (
        LoginCode.objects.select_for_update()
        .select_related("user")
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None and hmac.compare_digest(latest.code_hash, _code_hash(latest.pk, code)):
        if latest.user.is_active:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            return latest.user
    if latest is not None:
        latest.wrong_tries += 1
        if latest.wrong_tries >= settings.SMS_LOGIN["CODE_TRIES"]:
            latest.expires_at = now  # the code ends
        latest.save(update_fields=["wrong_tries", "expires_at"])
    throttle_count(kind=Kind.WRONG, phone=phone, address=address, now=now)
    return None
