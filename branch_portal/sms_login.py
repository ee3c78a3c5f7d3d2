"""Logging in with a code sent by SMS (短信验证码登录), beside the password on the login page.

It joins three apps, so it sits here above them: the code and its throttle (accounts.login_codes),
who owns a number (members: a family proxy, a member, or a user's own phone) and the SMS itself
(notifications, sent at once whatever the hour). Asking for a code answers alike whether or not
the number is known, and no sooner than SMS_LOGIN["ANSWER_SECONDS"], so the page tells nobody who
is a member; only the throttle counts what unknown numbers do.
"""

import logging
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import login_codes
from accounts.forms import CodeLoginForm, CodeRequestForm
from accounts.permissions import branches_of
from members.selectors import reader_member
from members.services import login_account_for_phone
from notifications.services import sms_send_requested

logger = logging.getLogger("accounts")
TEMPLATE = "accounts/login_code.html"
# The session is logged in with the portal's password backend: the code was checked here instead.
BACKEND = "accounts.permissions.AdminPermissionBackend"


def _next(request) -> str:
    """Where to go after logging in: `next` when it stays on this site, else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    return wanted if safe else ""


def _wait_text(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return _("Too many tries. Please try again in %(minutes)s minutes, or log in with your password.") % {
        "minutes": minutes
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def code_request(request):
    """Asks for a code: the same answer for every valid number, known or not (or throttled)."""
    started = time.monotonic()
    form = CodeRequestForm(request.POST or None)
    context = {"request_form": form, "next": _next(request)}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        wait = _code_send(phone, get_client_ip_address(request))
        if wait:
            form.add_error(None, _wait_text(wait))
        else:
            context["sent"] = True
            context["form"] = CodeLoginForm(initial={"phone": phone})
        # An SMS to a known number takes time; the answer for an unknown one waits as long.
        time.sleep(max(0.0, settings.SMS_LOGIN["ANSWER_SECONDS"] - (time.monotonic() - started)))
    return render(request, TEMPLATE, context)


def _code_send(phone: str, address: str | None) -> int:
    """Counts the ask and sends a code when the number is someone's; 0, or the seconds to wait."""
    now = timezone.now()
    kind = login_codes.Kind.ASKED
    wait = login_codes.wait_seconds(kind=kind, phone=phone, address=address, now=now)
    if wait:
        return wait
    login_codes.throttle_count(kind=kind, phone=phone, address=address, now=now)
    user = login_account_for_phone(phone=phone)
    if user is None:
        return 0
    branch = _branch_of(user)
    if branch is None:
        return 0
    code = login_codes.code_issue(user=user, phone=phone, now=now)
    with translation.override(settings.LANGUAGE_CODE):  # SMS go out in the portal's language
        text = _(
            "Your code to log in to the branch portal is %(code)s. It is valid for 5 minutes; "
            "do not tell it to anyone."
        )
    sent = sms_send_requested(
        branch=branch,
        user=user,
        to=phone,
        text=text % {"code": code},
        masked=text % {"code": "******"},
        occasion=f"login-code:{user.pk}:{now.timestamp():.0f}",
    )
    if not sent:
        logger.warning("login code for user %s was not sent", user.pk)
    return 0


def _branch_of(user):
    """The branch the SMS is sent for (its outbox row): the member's, else the user's first."""
    member = reader_member(user)
    if member is not None:
        return member.branch
    branches = branches_of(user, "view_study")
    return branches[0] if branches else None


@login_not_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code_login(request):
    """Logs in with the number and the code: once, within 5 minutes, within 5 tries."""
    form = CodeLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        address, now = get_client_ip_address(request), timezone.now()
        wait = login_codes.wait_seconds(kind=login_codes.Kind.WRONG, phone=phone, address=address, now=now)
        user = None if wait else login_codes.code_check(phone=phone, code=code, address=address, now=now)
        if user is not None:
            login(request, user, backend=BACKEND)
            return redirect(_next(request) or settings.LOGIN_REDIRECT_URL)
        form.add_error(
            "code",
            _wait_text(wait)
            if wait
            else _(
                "This code is not right, or it has expired or been used. Check the 6 digits in the latest "
                "SMS, or ask for a new code."
            ),
        )
    return render(request, TEMPLATE, {"form": form, "sent": True, "next": _next(request)})
