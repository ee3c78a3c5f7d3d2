"""What the dashboard shows each role. It sits above every app and may read them all.

Its tiles' figures are read in one query, a scalar subquery per figure (`lib.figures`): each part
says which columns it needs for the user, then builds its tiles from the one row. That query's SQL is
compiled once per shape of user and day (`dashboard_figures`).
"""

import datetime
from collections import Counter

from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import BranchRole
from accounts.permissions import branch_ids, branches_of, roles_by_branch
from dues import glance
from dues.models import DuesRate
from lib import figures
from members.models import ELDERLY_AGE, CareCategory, ContactGroup, Member, aged_at_least, in_care_category
from members.selectors import reader_member_absent, reader_member_column
from notifications.models import Message, Notice
from notifications.selectors import calls_to_make
from notifications.transports.wecom import robot_key
from org.models import Branch
from study import selectors as study_selectors
from study.models import StudyPlan
from visits.selectors import dashboard_counts as visit_counts
from visits.selectors import dashboard_tiles as visit_tiles
from visits.selectors import home_panels as visit_panels

from . import dashboard_charts, member_home
from .dashboard_figures import figures_row

# Past this many branches, the care figure hashes the installation's care periods once rather than
# looking up each member's (`members.models.in_care_category`): the two cost the same near 50.
HASHED_CARE_PAST_BRANCHES = 50


def for_user(user) -> dict:
    """The dashboard's context: the user's roles and the figures of the branches they may see."""
    now = timezone.now()
    today = timezone.localdate(now)
    roles = roles_by_branch(user)
    role_labels = sorted(BranchRole.Role(r).label for r in set().union(*roles.values()))
    row = figures_row(user, today, now, figures_query)
    if row and not row.pop("reader"):
        reader_member_absent(user)
    tiles = _member_tiles(row) + _next_study_tile(row) + _notice_tiles(row)
    tiles += visit_tiles(row)  # visits: overdue, this week, concerns
    tiles += glance.dues_tiles(row, today)
    return {
        "today": today,
        "first_steps": _first_steps(row, branch_ids(user, "manage_roles")),
        "places": _places(user, roles),
        "role_labels": role_labels,
        "calls_to_make": row.get("calls_to_make", 0),  # notifications: members to phone about a notice
        "tiles": tiles,
        # The year at a glance in three small charts (visits, attendance, ages).
        "charts": dashboard_charts.charts(user, today),
        # visits: the urgent visits (every carer) and the overdue ones by name (the secretary).
        "care": visit_panels(user, today),
        # The member's own home (next study day, notices, group leader, dues) for whoever reads as one.
        "member_home": member_home.for_user(user, today),
        "meetings": study_selectors.home_meetings(user=user, today=today, row=row),  # resolutions, the tile
    }


def _places(user, roles: dict[int, frozenset[str]]) -> list[str]:
    """Where the user holds their roles, for the greeting: each branch by name, but a bureau the user
    reads as a whole once, with its number of branches (the bureau would otherwise greet 200 names)."""
    branches = branches_of(user, "view_study")  # every branch where the user holds a role
    # Keyed by the Bureau (a model hashes by its id), not its name: two bureaus may share a name.
    whole = Counter(branch.bureau for branch in branches if BranchRole.Role.BUREAU in roles[branch.pk])
    places = [f"{branch.bureau} · {branch}" for branch in branches if branch.bureau not in whole]
    wholes = [
        ngettext("%(bureau)s · its %(count)d branch", "%(bureau)s · all %(count)d branches", count)
        % {"bureau": bureau, "count": count}
        for bureau, count in whole.items()
    ]
    return wholes + places


def figures_query(user, today: datetime.date, now: datetime.datetime) -> QuerySet | None:
    """Every tile's figure in one query (one row, a column each), with whether the user reads the
    portal as a member, which spares a carer without a member row of their own the query that would
    find none (reader_member, asked by every page); None when no tile asks for a figure.

    for_user runs it as compiled once per shape of user and day (dashboard_figures)."""
    columns = {
        **_member_columns(user, today),
        **_notice_columns(user, today),
        **_call_columns(user),
        **{name: figures.Count(counted) for name, counted in visit_counts(user, today, now).items()},
        **glance.dues_columns(user, today),
        **_first_steps_columns(user, today),
        **study_selectors.home_meetings_columns(user, today),
    }
    if not columns:
        return None
    branch = Branch.objects.filter(pk=min(roles_by_branch(user))).order_by()
    return branch.values(**columns, reader=reader_member_column(user))


def _member_columns(user, today: datetime.date) -> dict:
    """For roster readers: active members, those aged 80 and over, those in a care category, and
    the next study day of their branches."""
    roster = branch_ids(user, "view_roster")
    if not roster:
        return {}
    members = Member.objects.in_branches(roster).active()
    upcoming = study_selectors.visible_activities(user).upcoming(today)
    return {
        # One pass over the members for the three figures.
        "member_counts": figures.Counts(
            members,
            elderly=aged_at_least(ELDERLY_AGE, today),
            cared_for=in_care_category(
                *CareCategory.values, on=today, hashed=len(roster) > HASHED_CARE_PAST_BRANCHES
            ),
        ),
        # One subquery for the three fields the tile shows, rather than the same search three times.
        "next_study": Subquery(
            upcoming.values(next=JSONObject(pk="pk", theme="theme", date="date"))[:1],
            output_field=JSONField(),
        ),
    }


def _call_columns(user) -> dict:
    """For group leaders and the committee: the notice calls they have still to make."""
    calls = calls_to_make(user)
    return {} if calls is None else {"calls_to_make": figures.Count(calls)}


def _member_tiles(row: dict) -> list[dict]:
    if "member_counts" not in row:
        return []
    members = row["member_counts"]
    url = reverse("members:list")
    return [
        {"label": _("Active members"), "value": members["all"], "url": url},
        {"label": _("Aged 80 and over"), "value": members["elderly"], "url": url + "?care=elderly"},
        {"label": _("In a care category"), "value": members["cared_for"], "url": url + "?care=any"},
    ]


def _next_study_tile(row: dict) -> list[dict]:
    """The next study activity of the user's branches, as a tile (none when nothing is planned)."""
    study = row.get("next_study")
    if not study:
        return []
    label = _("Next study day: %(theme)s") % {"theme": study["theme"]}
    value = date_format(datetime.date.fromisoformat(study["date"]), "MONTH_DAY_FORMAT")
    return [
        {"label": label, "value": value, "url": reverse("study:detail", args=[study["pk"]]), "date": True}
    ]


def _notice_columns(user, today: datetime.date) -> dict:
    """For the committee: this year's notice issues, and messages that failed."""
    sending = branch_ids(user, "send_notices")
    if not sending:
        return {}
    issued = Notice.objects.in_branches(sending).filter(year=today.year).numbered()
    failed = Message.objects.filter(notice=OuterRef("pk"), status=Message.Status.FAILED)
    with_failures = Notice.objects.in_branches(sending).filter(Exists(failed))
    return {"notices_issued": figures.Count(issued), "messages_failed": figures.Count(with_failures)}


def _notice_tiles(row: dict) -> list[dict]:
    if "notices_issued" not in row:
        return []
    url = reverse("notifications:list")
    tiles = [{"label": _("Notices issued this year"), "value": row["notices_issued"], "url": url}]
    if row["messages_failed"]:
        failed = row["messages_failed"]
        label = _("Notices with messages that failed")  # the list it opens: those notices
        tiles.append({"label": label, "value": failed, "url": url + "?failed=on"})
    return tiles


def _first_steps_columns(user, today: datetime.date) -> dict:
    """For the secretary of a branch: what a new branch sets up first, counted in the tiles' query."""
    led = branch_ids(user, "manage_roles")
    if not led:
        return {}
    members = Member.objects.in_branches(led)
    return {
        "steps_members": figures.Count(members),
        "steps_groups": figures.Count(ContactGroup.objects.filter(branch_id__in=led)),
        "steps_ungrouped": figures.Count(members.active().filter(contact_group=None)),
        "steps_plans": figures.Count(StudyPlan.objects.filter(branch_id__in=led, year=today.year)),
        "steps_rates": figures.Count(DuesRate.objects.filter(branch_id__in=led)),
    }


def _first_steps(row: dict, led: list[int]) -> list[dict]:
    """The checklist a branch that is still being set up shows its secretary, each step ticked when
    done; none once the roster, the groups, the study plan and the dues rates are in place."""
    if "steps_members" not in row:
        return []
    robots = all(robot_key(branch_id, "branch_wechat") for branch_id in led)
    steps = [
        (_("Import the roster (花名册)"), row["steps_members"] > 0, reverse("members:import")),
        (
            _("Set up the contact groups and their leaders, with every member in one"),
            row["steps_groups"] > 0 and row["steps_members"] > 0 and not row["steps_ungrouped"],
            reverse("members:groups"),
        ),
        (_("Plan this year's study days"), row["steps_plans"] > 0, reverse("study:plan_home")),
        (_("Set each member's monthly dues"), row["steps_rates"] > 0, reverse("dues:rate_set")),
        (_("Name the WeChat group robots (ask whoever runs the portal)"), robots, ""),
    ]
    if all(done for _label, done, _url in steps[:4]):
        return []
    return [{"label": label, "done": done, "url": url} for label, done, url in steps]
