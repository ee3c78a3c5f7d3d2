"""What the dashboard shows each role. It sits above every app and may read them all."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import BranchRole
from accounts.permissions import branch_ids, roles_by_branch
from dues import glance
from members.models import Branch, CareCategory, Member
from study.selectors import next_activity
from visits.selectors import dashboard_tiles as visit_tiles


def for_user(user) -> dict:
    """The dashboard's context: the user's roles and the figures of the branches they may see."""
    roles = roles_by_branch(user)
    branches = Branch.objects.filter(pk__in=roles.keys()).select_related("bureau")
    role_labels = sorted({BranchRole.Role(r).label for held in roles.values() for r in held})
    context = {"branches": branches, "role_labels": role_labels, "tiles": []}
    roster_branches = branch_ids(user, "view_roster")
    if roster_branches:
        members = Member.objects.in_branches(roster_branches).active()
        context["tiles"] = [
            {"label": _("Active members"), "value": members.count(), "url": reverse("members:list")},
            {
                "label": _("Aged 80 and over"),
                "value": members.aged_at_least(80).count(),
                "url": reverse("members:list") + "?care=elderly",
            },
            {
                "label": _("In a care category"),
                "value": members.in_care_category(*CareCategory.values).count(),
                "url": reverse("members:list") + "?care=any",
            },
        ]
        context["tiles"] += _next_study_tile(user)
    context["tiles"] += _notice_tiles(user)
    context["tiles"] += visit_tiles(user, timezone.localdate())  # visits: overdue, this week, concerns
    # dues: this month's dues figures and the year at a glance in three small charts.
    context["tiles"] += glance.dues_tiles(user, timezone.localdate())
    context["charts"] = glance.charts(user, timezone.localdate())
    own = Member.objects.filter(user=user).select_related("contact_group__leader").first()
    context["own_member"] = own
    return context


def _next_study_tile(user) -> list[dict]:
    """The next study activity of the user's branches, as a tile (none when nothing is planned)."""
    upcoming = next_activity(user=user, today=timezone.localdate())
    if upcoming is None:
        return []
    label = _("Next study day: %(theme)s") % {"theme": upcoming.theme}
    value = date_format(upcoming.date, "MONTH_DAY_FORMAT")
    return [{"label": label, "value": value, "url": upcoming.get_absolute_url()}]


def _notice_tiles(user) -> list[dict]:
    """For the committee: this year's notice issues, and messages that failed (two queries)."""
    from notifications.models import Message, Notice

    sending = branch_ids(user, "send_notices")
    if not sending:
        return []
    year = timezone.localdate().year
    issued = Notice.objects.in_branches(sending).filter(year=year).numbered().count()
    failed = Message.objects.filter(branch_id__in=sending, status=Message.Status.FAILED).count()
    url = reverse("notifications:list")
    tiles = [{"label": _("Notices issued this year"), "value": issued, "url": url}]
    if failed:
        tiles.append({"label": _("Messages that failed to send"), "value": failed, "url": url})
    return tiles
