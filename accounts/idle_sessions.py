"""Idle session expiry for the users who see other members' sensitive data.

Carers (secretary, deputy, committee, liaison), the bureau and staff read health records and
family contacts, often on a shared or borrowed device: after `SESSION_IDLE_SECONDS` without a
request their session ends (PIPL Art. 51, access control). Members reading the schedule keep
Django's usual session length. The time of the last request is kept in the session.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings

from .permissions import has_capability

LAST_ACTIVITY_KEY = "accounts_last_activity"
WARNING_SECONDS = 300


@dataclass(frozen=True)
class IdleDeadline:
    """What the page's idle timer needs: seconds until the server ends the session, and when to warn."""

    seconds_left: int
    warning_seconds: int


def idle_expiry_applies(user) -> bool:
    """True for a signed-in user who sees the roster (health, family contacts) or the admin site."""
    return user.is_authenticated and (user.is_staff or has_capability(user, "view_roster"))


def idle_seconds(request) -> float | None:
    """Seconds since the last recorded activity, or None if none is recorded yet."""
    last_activity = request.session.get(LAST_ACTIVITY_KEY)
    return None if last_activity is None else time.time() - last_activity


def needs_recording(idle: float | None) -> bool:
    """Whether this request's time is worth a session write.

    Writing on every request would cost a database write per page: the time is written at most
    once per 1/30 of the idle limit (a minute for 30 minutes), so the recorded time lags by at
    most that much and the session may end that much early.
    """
    return idle is None or idle >= min(60, settings.SESSION_IDLE_SECONDS // 30)


def activity_record(request) -> None:
    """Counts this moment as the user's last activity (a session write)."""
    request.session[LAST_ACTIVITY_KEY] = time.time()


def activity_record_at_login(sender, request, user, **kwargs) -> None:
    """Starts the idle clock with the login (connected to `user_logged_in` in AccountsConfig).

    The login writes the session anyway; recording the time there saves the first page after
    it a second session write.
    """
    if request is not None and hasattr(request, "session") and idle_expiry_applies(user):
        activity_record(request)


def idle_deadline(idle: float) -> IdleDeadline:
    """The deadline as the page's timer needs it, rounded up so the page never leaves early."""
    limit = settings.SESSION_IDLE_SECONDS
    return IdleDeadline(
        seconds_left=max(0, math.ceil(limit - idle)),
        warning_seconds=min(WARNING_SECONDS, limit // 2),
    )
