"""Reads of visits and concerns, each scoped to the branches where the user holds the capability."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import display_name
from accounts.permissions import LEADERS, branch_ids, roles_by_branch
from lib import figures
from members.models import Member

from .birthdays import COLLECTIVE_BIRTHDAY_AGES, CollectiveBirthday, collective_birthdays_in
from .models import Concern, ConcernEvent, PlannedVisit, Visit, occasion_label

# The concern list shows what waits for someone first, closed ones last.
STATE_ORDER = [
    When(state=state, then=Value(rank))
    for rank, state in enumerate(["escalated", "open", "bureau_replied", "answered", "closed"])
]
STALE_ESCALATION_DAYS = 30
# The schedule, its export and the visit form's shortcuts show a visit's member by name and contact
# group: not their phone numbers, each parsed into a PhoneNumber as the row is read.
UNSHOWN_PHONES = [
    f"member__{name}"
    for name in ("phone", "phone_alt", "notice_phone", "emergency_phone_1", "emergency_phone_2")
]
# What a card of the concern list shows, and what decides its staleness and the moves on it.
CONCERN_ROW = [
    "id",
    "member__name",
    "member__branch_id",
    "member__branch__name",
    "category",
    "text",
    "raised_on",
    "raised_via",
    "state",
    "escalated_at",
]
State = Concern.State


def planned_visit_list(*, user, mine: bool = False):
    """Open planned visits of active members in the user's visiting branches (only theirs when `mine`)."""
    visits = (
        PlannedVisit.objects.open()
        .filter(member__branch_id__in=branch_ids(user, "record_visits"))
        .filter(Q(member__status=Member.Status.ACTIVE) | Q(kind=PlannedVisit.Kind.CONDOLENCE))
        .select_related("member__contact_group", "responsible")
        .defer(*UNSHOWN_PHONES)
        .prefetch_related("escalations")
        .order_by("due_by", "member__name_pinyin", "id")
    )
    return visits.filter(responsible=user) if mine else visits


@dataclass
class Schedule:
    overdue: list
    this_week: list
    upcoming: list


def schedule_sections(visits, today: datetime.date) -> Schedule:
    """Splits open planned visits (one query) into overdue / due this week / upcoming."""
    week_end = today + datetime.timedelta(days=6)
    schedule = Schedule([], [], [])
    for visit in visits:
        if visit.due_by < today:
            schedule.overdue.append(visit)
        elif visit.due_by <= week_end:
            schedule.this_week.append(visit)
        else:
            schedule.upcoming.append(visit)
    return schedule


def festival_progress(*, user, today: datetime.date, mine: bool = False) -> list[dict]:
    """Per festival round and contact group: planned and done, for rounds from 60 days ago to 60 ahead."""
    rows = (
        PlannedVisit.objects.filter(
            kind=PlannedVisit.Kind.FESTIVAL,
            member__branch_id__in=branch_ids(user, "record_visits"),
            occasion_date__range=(today - datetime.timedelta(days=60), today + datetime.timedelta(days=60)),
        )
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .values("occasion", "occasion_date", "member__contact_group__number", "member__contact_group__name")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status=PlannedVisit.Status.DONE)))
        .order_by("occasion_date", "occasion", "member__contact_group__number")
    )
    if mine:
        rows = rows.filter(responsible=user)
    rounds: dict[str, dict] = {}
    for row in rows:
        entry = rounds.setdefault(
            row["occasion"],
            {
                "label": occasion_label(row["occasion"]),
                "date": row["occasion_date"],
                "groups": [],
                "total": 0,
                "done": 0,
            },
        )
        entry["groups"].append(
            {"name": row["member__contact_group__name"] or "—", "total": row["total"], "done": row["done"]}
        )
        entry["total"] += row["total"]
        entry["done"] += row["done"]
    return list(rounds.values())


def collective_birthdays(*, user, year: int) -> list[CollectiveBirthday]:
    """Active members turning 80, 85, 90, … in `year`, each with the day they do (the lunar date in
    that year for those who keep a lunar birthday), for the branch's collective celebration."""
    members = Member.objects.active().in_branches(branch_ids(user, "record_visits"))
    shown = members.only("name", "name_pinyin", "birth_date", "lunar_birthday")  # the schedule's list
    return collective_birthdays_in(shown, year=year, ages=COLLECTIVE_BIRTHDAY_AGES)


URGENT_KINDS = (PlannedVisit.Kind.HOSPITAL,)
HOME_ROWS = 40
# All the panels read of a visit, its member and who holds it.
HOME_FIELDS = ["kind", "occasion", "due_by", "status", "member__name", "member__branch", "member__status"]
HOME_FIELDS += ["responsible__username", "responsible__first_name", "responsible__last_name"]


def home_panels(user, today: datetime.date) -> dict:
    """The home page's visits panels, read in one query: for every carer the urgent visits (newly
    住院 or 病危) until each is recorded, and the visits they hold that are late or due this week;
    for the secretary and deputies the overdue visits by member name, days overdue and who holds
    each, oldest first (a page-full; the schedule has them all)."""
    visiting = set(branch_ids(user, "record_visits"))
    leading = {b for b, roles in roles_by_branch(user).items() if roles & LEADERS}
    if not visiting and not leading:
        return {"urgent": [], "overdue": [], "mine": [], "records": False}
    urgent = Q(kind__in=URGENT_KINDS, member__branch_id__in=visiting)
    late = Q(due_by__lt=today, member__branch_id__in=leading)
    week_end = today + datetime.timedelta(days=6)
    mine = Q(responsible=user, due_by__lte=week_end, member__branch_id__in=visiting)
    visits = list(
        PlannedVisit.objects.open()
        .filter(urgent | late | mine, member__status=Member.Status.ACTIVE)
        .select_related("member", "responsible")
        .only(*HOME_FIELDS)  # a whole member row parsed five phone numbers, forty rows a page
        .order_by(
            Case(When(kind__in=URGENT_KINDS, then=Value(0)), default=Value(1)),
            "due_by",
            "member__name_pinyin",
            "id",
        )[:HOME_ROWS]
    )
    return {
        "urgent": [v for v in visits if v.kind in URGENT_KINDS and v.member.branch_id in visiting],
        "overdue": [
            (v, (today - v.due_by).days) for v in visits if v.due_by < today and v.member.branch_id in leading
        ],
        # The carer's own work list: what they hold that is late or due this week, the urgent aside.
        "mine": [
            v
            for v in visits
            if v.responsible_id == user.pk and v.due_by <= week_end and v.kind not in URGENT_KINDS
        ],  # fmt: skip
        "records": bool(visiting),
    }


def month_visits(*, user, first: datetime.date, mine: bool = False):
    """Planned visits (open or done) falling due in the month that starts on `first`, for the printed view."""
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    visits = (
        PlannedVisit.objects.filter(
            member__branch_id__in=branch_ids(user, "record_visits"), due_by__range=(first, last)
        )
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .select_related("member", "responsible")
        .order_by("due_by", "member__name_pinyin")
    )
    return visits.filter(responsible=user) if mine else visits


def member_search(*, user, query: str, limit: int = 8):
    """Active members of the user's visiting branches whose name, pinyin or initials start with the query."""
    query = query.replace("\x00", "").strip().lower()  # PostgreSQL refuses NUL in a string
    if not query:
        return Member.objects.none()
    return (
        Member.objects.active()
        .in_branches(branch_ids(user, "record_visits"))
        .filter(
            Q(name__contains=query) | Q(name_initials__startswith=query) | Q(name_pinyin__startswith=query)
        )
        .select_related("contact_group")
        .order_by("name_pinyin")[:limit]
    )


def member_for_visit_get(user, pk: int) -> Member:
    """An active member the user may record a visit for (or a deceased one whose family's condolence
    visit is still due); 404 otherwise."""
    condolence = PlannedVisit.objects.open().filter(member=OuterRef("pk"), kind=PlannedVisit.Kind.CONDOLENCE)
    members = Member.objects.in_branches(branch_ids(user, "record_visits")).filter(
        Q(status=Member.Status.ACTIVE) | Exists(condolence)
    )
    return get_object_or_404(members.select_related("branch", "contact_group"), pk=pk)


def due_for_member(member: Member):
    return PlannedVisit.objects.open().filter(member=member).order_by("due_by", "id")


# What a visitor's name (accounts.models.display_name) is made of.
VISITOR_FIELDS = ("last_name", "first_name", "username")


def member_panel(*, member: Member, recent: int = 5) -> dict:
    """What the member page's visits section shows: recent visits with their visitors (`visitor_list`,
    read in the same query), open planned visits, concerns."""
    visitors = Visit.visitors.through.objects.filter(visit=OuterRef("pk"))
    visits = list(
        Visit.objects.filter(member=member)
        .annotate(visitor_rows=figures.Rows(visitors, "id", *(f"user__{name}" for name in VISITOR_FIELDS)))
        .order_by("-date", "-id")[:recent]
    )
    for visit in visits:
        # Named in the order they were recorded (the rows come in no order; the first is the row's id).
        visit.visitor_list = [display_name(*row[1:]) for row in sorted(visit.visitor_rows)]
    return {
        "visits": visits,
        "planned": list(due_for_member(member).select_related("responsible")),
        "concerns": list(Concern.objects.filter(member=member).order_by("-raised_on", "-id")),
    }


def concern_list(*, user, inbox: bool = False):
    """The concerns of the user's caring branches; with `inbox`, escalations from the bureau's branches.

    As rows (dicts) of the columns the list shows, `CONCERN_ROW`, rather than instances: a page of fifty
    built a concern, a member and a branch each to show a dozen strings. `concern_steps` reads the steps
    of the rows actually shown: page the queryset before iterating it.
    """
    if inbox:
        concerns = Concern.objects.filter(
            member__branch_id__in=branch_ids(user, "answer_escalations"), escalated_at__isnull=False
        )
    else:
        concerns = Concern.objects.filter(member__branch_id__in=branch_ids(user, "record_visits"))
    return (
        concerns.alias(waiting=Case(*STATE_ORDER, default=Value(9)))
        .order_by("waiting", "-raised_on", "-id")
        .values(*CONCERN_ROW)
    )


def concern_steps(concern_ids: list[int]) -> dict[int, list[dict]]:
    """The steps of these concerns in the order they were taken, by concern id: each step's time, the
    state it led to, its comment and its actor's name (None for no person)."""
    events = (
        ConcernEvent.objects.filter(concern_id__in=concern_ids)
        .order_by("at", "id")
        .values_list(
            "concern_id",
            "at",
            "to_state",
            "comment",
            "actor_id",
            "actor__last_name",
            "actor__first_name",
            "actor__username",
        )
    )
    steps = {pk: [] for pk in concern_ids}
    for concern_id, at, to_state, comment, actor_id, *name in events:
        actor = None if actor_id is None else display_name(*name)
        steps[concern_id].append({"at": at, "to_state": to_state, "comment": comment, "actor": actor})
    return steps


def concern_get_for_user(user, pk: int) -> Concern:
    """A concern the user may act on (the branch's carers, or the bureau for escalated ones); else 404."""
    visible = Q(member__branch_id__in=branch_ids(user, "record_visits")) | Q(
        member__branch_id__in=branch_ids(user, "answer_escalations"), escalated_at__isnull=False
    )
    return get_object_or_404(Concern.objects.filter(visible).select_related("member"), pk=pk)


def stale_before(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=STALE_ESCALATION_DAYS)


def is_stale(
    state: str, escalated_at: datetime.datetime | None, now: datetime.datetime | None = None
) -> bool:
    """An escalation the bureau has not answered for 30 days."""
    return state == State.ESCALATED and escalated_at < stale_before(now)


def dashboard_counts(user, today: datetime.date, now: datetime.datetime | None = None) -> dict:
    """What the dashboard's visit and concern tiles count, as querysets by figure name: overdue and
    this week's visits, open concerns, escalations awaiting the bureau and stale ones (as of `now`).
    The dashboard counts them in its one figures query; `dashboard_tiles` turns the counts into tiles."""
    counts = {}
    visiting = branch_ids(user, "record_visits")
    if visiting:
        # The very visits the schedule's sections list (schedule_sections), so each tile's number is
        # the length of the list it opens.
        planned = planned_visit_list(user=user)
        week_end = today + datetime.timedelta(days=6)
        counts["visits_overdue"] = planned.filter(due_by__lt=today)
        counts["visits_week"] = planned.filter(due_by__gte=today, due_by__lte=week_end)
        counts["concerns_open"] = Concern.objects.filter(member__branch_id__in=visiting, state=State.OPEN)
    answering = branch_ids(user, "answer_escalations")
    if answering:
        waiting = Concern.objects.filter(member__branch_id__in=answering, state=State.ESCALATED)
        counts["concerns_waiting"] = waiting
    if visiting or answering:
        # concern_state_idx finds the few escalated concerns, rather than every concern ever raised.
        escalated = Concern.objects.filter(
            member__branch_id__in=sorted({*visiting, *answering}), state=State.ESCALATED
        )
        counts["concerns_stale"] = escalated.filter(escalated_at__lt=stale_before(now))
    return counts


def dashboard_tiles(counts: dict) -> list[dict]:
    """The tiles of the figures `dashboard_counts` asked for, each opening the list it counts."""
    tiles = []
    if "visits_overdue" in counts:
        schedule = reverse("visits:schedule") + "?scope=branch"
        overdue, week = counts["visits_overdue"], counts["visits_week"]
        tiles += [
            {"label": _("Overdue visits"), "value": overdue, "url": schedule + "#overdue-heading"},
            {"label": _("Visits due this week"), "value": week, "url": schedule + "#week-heading"},
        ]
    url = reverse("visits:concerns")
    if "concerns_open" in counts:
        tiles.append({"label": _("Open concerns"), "value": counts["concerns_open"], "url": url})
    inbox = url + "?view=inbox"
    if "concerns_waiting" in counts:
        label = _("Escalations awaiting the bureau")
        tiles.append({"label": label, "value": counts["concerns_waiting"], "url": inbox})
    if "concerns_stale" in counts:
        label = _("Escalations unanswered for 30 days")
        stale_url = inbox if "concerns_waiting" in counts else url
        tiles.append({"label": label, "value": counts["concerns_stale"], "url": stale_url})
    return tiles


def planned_visit_get_for_user(user, pk: int) -> PlannedVisit:
    """A planned visit of the user's visiting branches; 404 otherwise."""
    visible = PlannedVisit.objects.filter(member__branch_id__in=branch_ids(user, "record_visits"))
    return get_object_or_404(visible.select_related("member"), pk=pk)
