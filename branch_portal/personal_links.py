"""The page a notice SMS's personal link opens: that notice and the member's study schedule, read-only,
without a password, for 30 days (notifications/links.py makes and checks the links).

Opening the link checks its token and keeps it in the session, then shows the page at an address
without the token (so it stays out of the browser's history and any Referer). Nobody is logged in:
every other page answers the link's holder as it answers anyone who is not, so the link can open
nothing else — not the member's own page (family contacts), health, other members, or any form.
It joins notices and study, so it sits here above both.
"""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from members.selectors import reader_member
from notifications import links, texts
from notifications.models import Notice
from study.models import StudyActivity

SESSION_KEY = "personal_link"
SCHEDULE_LENGTH = 12


def _linked(notice_id, token) -> tuple[Notice, object] | None:
    """(notice, member) when the token is genuine, for this notice, not expired, and the notice was sent
    to that member (or their family proxy); else None."""
    if not isinstance(notice_id, int) or not isinstance(token, str):
        return None
    user = links.link_user(notice_id=notice_id, token=token)
    member = reader_member(user) if user is not None else None
    if member is None:
        return None
    sent = Notice.objects.filter(pk=notice_id, status=Notice.Status.SENT, branch_id=member.branch_id)
    notice = sent.filter(messages__member=member).select_related("branch").first()
    return (notice, member) if notice is not None else None


@login_not_required
@never_cache
@require_safe
def link_open(request, notice_id: int, token: str):
    """Checks the link and opens its page; a tampered or expired link gets a page that says so."""
    if _linked(notice_id, token) is None:
        return render(request, "personal_links/link_expired.html", status=404)
    request.session[SESSION_KEY] = {"notice": notice_id, "token": token}
    return redirect("link_page")


@login_not_required
@never_cache
@require_safe
def link_page(request):
    held = request.session.get(SESSION_KEY) or {}
    found = _linked(held.get("notice"), held.get("token"))
    if found is None:
        if request.user.is_authenticated:
            raise Http404
        return redirect_to_login(request.get_full_path())
    notice, member = found
    today = timezone.localdate()
    schedule = StudyActivity.objects.in_branches([member.branch_id]).upcoming(today)[:SCHEDULE_LENGTH]
    context = {
        "notice": notice,
        "member": member,
        "text": texts.render(notice.body, name=member.name, branch=str(notice.branch)),
        "schedule": list(schedule.only("theme", "date", "starts_at", "ends_at", "place", "kind")),
        "link_days": links.LINK_DAYS,
    }
    return render(request, "personal_links/link_page.html", context)
