"""The personal link in a notice SMS: opens that notice and the member's study schedule, read-only,
without a password, for 30 days (branch_portal/personal_links.py serves it).

The link carries a django-sesame token: signed with SECRET_KEY, scoped to the notice, valid for
LINK_DAYS, made for the recipient's login (the member's, or the family proxy's) and revoked when
that login's password changes. A branch may switch links off (ReminderSettings.personal_link);
without PORTAL_URL there is no address to link to, and notices go without.
"""

import datetime

from django.conf import settings
from django.urls import reverse

from accounts.models import User

from .models import Notice, ReminderSettings

LINK_DAYS = 30
# A token is the user's id (8 bytes), its time (4) and a 10-byte signature, in URL-safe base64.
TOKEN_LENGTH = 30


def scope(notice_id: int) -> str:
    return f"notice:{notice_id}"


def enabled(branch) -> bool:
    """Whether the branch's notice SMS carry a personal link (on unless the committee turned it off)."""
    if not settings.PORTAL_URL:
        return False
    value = ReminderSettings.objects.filter(branch=branch).values_list("personal_link", flat=True).first()
    return value is None or value


def link_url(*, user: User, notice_id: int) -> str:
    """The short link that opens the notice for the user (the member, or their family proxy)."""
    from sesame.utils import get_token  # sesame reads SECRET_KEY on import: not before it is needed

    return _absolute(notice_id, get_token(user, scope=scope(notice_id)))


def sample_url(notice_id: int) -> str:
    """A link as long as a real one, for the compose page's preview (no token is made)."""
    return _absolute(notice_id, "x" * TOKEN_LENGTH)


def _absolute(notice_id: int, token: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("link_open", args=[notice_id, token])


def link_user(*, notice_id: int, token: str) -> User | None:
    """The active user the link was made for, if it is genuine, for this notice and under LINK_DAYS old."""
    from sesame.backends import ModelBackend

    if len(token) > 200:
        return None
    max_age = datetime.timedelta(days=LINK_DAYS)
    return ModelBackend().authenticate(None, sesame=token, scope=scope(notice_id), max_age=max_age)


def link_length(branch, notice_id: int | None = None) -> int:
    """The characters a personal link adds to each SMS of the branch (with its space), or 0 without."""
    if not enabled(branch):
        return 0
    return 1 + len(sample_url(notice_id or next_notice_id()))


def next_notice_id() -> int:
    """The id a notice written now would likely get: a link's length depends on its digits."""
    return (Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
