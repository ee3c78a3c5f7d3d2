"""The three-visit planner: materialises PlannedVisit rows for a rolling window.

It reads the roster in a fixed number of queries, decides in Python, and writes with
`bulk_create(ignore_conflicts=True)`: the unique (member, kind, occasion) constraint, not
this code, makes a second run (or two concurrent runs) create nothing new. Planned visits
are never deleted, only cancelled, so a member's routine sequence number only grows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from branch_portal.calendar import years_before
from members.models import ELDERLY_AGE, CareCategory, CarePeriod, ContactGroup, Member

from .lunar import birthdays_between, festivals_between
from .models import PlannedVisit, Visit, VisitPolicy

HORIZON_DAYS = 60
# A member who went into hospital while the planner was not running is still caught a week later.
HOSPITAL_LOOKBACK_DAYS = 7
URGENT_CATEGORIES = (CareCategory.HOSPITALISED, CareCategory.CRITICAL)
BATCH_SIZE = 500
Kind = PlannedVisit.Kind


@dataclass
class PlanResult:
    created: int = 0
    cancelled: int = 0
    reassigned: int = 0
    tightened: int = 0


@dataclass
class Roster:
    """What the planner knows of each active member, loaded in a fixed number of queries."""

    members: list = field(default_factory=list)  # (id, branch_id, birth_date, lunar, group_id)
    responsible: dict = field(default_factory=dict)  # group id -> user id
    categories: dict = field(default_factory=lambda: defaultdict(set))  # member id -> stored categories
    urgent: dict = field(default_factory=lambda: defaultdict(list))  # member id -> [(period id, started_on)]
    last_visit: dict = field(default_factory=dict)  # member id -> date
    routine_count: dict = field(default_factory=dict)  # member id -> routine planned visits so far
    routine_last_closed: dict = field(default_factory=dict)  # member id -> due_by of the last closed one
    open_visits: list = field(default_factory=list)  # open PlannedVisit rows (few columns)
    open_routine: set = field(default_factory=set)  # ids of members with an open routine visit
    policies: dict = field(default_factory=dict)  # branch id -> VisitPolicy


def plan_visits(
    *, branch_ids: list[int] | None = None, today: datetime.date | None = None, days: int = HORIZON_DAYS
) -> PlanResult:
    """Plans every active member of the branches (all when None) for `days` ahead; idempotent."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    members = Member.objects.active()
    if branch_ids is not None:
        members = members.filter(branch_id__in=branch_ids)
    result = PlanResult()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        result.cancelled = cancel_for_departed(branch_ids=branch_ids)
        roster = load_roster(members, today)
        before = PlannedVisit.objects.filter(member__in=members).count()
        wanted = []
        for row in roster.members:
            wanted.extend(plan_member(roster, row, today, horizon))
        PlannedVisit.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=BATCH_SIZE)
        # ignore_conflicts returns no ids: count what is there now instead of what was sent.
        result.created = PlannedVisit.objects.filter(member__in=members).count() - before
        result.reassigned, result.tightened = _update_open(roster, today)
    return result


def cancel_for_departed(*, branch_ids: list[int] | None = None) -> int:
    """Cancels the open planned visits of deceased and transferred members, saying why."""
    reasons = {
        Member.Status.DECEASED: gettext("The member has died."),
        Member.Status.TRANSFERRED: gettext("The member has transferred out of the branch."),
    }
    cancelled = 0
    for status, reason in reasons.items():
        visits = PlannedVisit.objects.open().filter(member__status=status)
        if branch_ids is not None:
            visits = visits.filter(member__branch_id__in=branch_ids)
        cancelled += visits.update(status=PlannedVisit.Status.CANCELLED, cancel_reason=reason)
    return cancelled


def load_roster(members, today: datetime.date) -> Roster:
    """Loads everything the planner needs about `members` in seven queries, however many there are."""
    roster = Roster()
    roster.members = list(
        members.order_by("id").values_list(
            "id", "branch_id", "birth_date", "lunar_birthday", "contact_group_id"
        )
    )
    branch_set = {row[1] for row in roster.members}
    for group_id, leader_id, deputy_id, away in ContactGroup.objects.filter(
        branch_id__in=branch_set
    ).values_list("id", "leader_id", "deputy_id", "leader_away"):
        roster.responsible[group_id] = deputy_id if away and deputy_id else leader_id
    periods = CarePeriod.objects.current(today).filter(member__in=members)
    for member_id, period_id, category, started_on in periods.values_list(
        "member_id", "id", "category", "started_on"
    ):
        roster.categories[member_id].add(category)
        if category in URGENT_CATEGORIES and started_on >= today - datetime.timedelta(
            days=HOSPITAL_LOOKBACK_DAYS
        ):
            roster.urgent[member_id].append((period_id, started_on))
    visits = Visit.objects.filter(member__in=members).values("member_id").annotate(last=Max("date"))
    roster.last_visit = {row["member_id"]: row["last"] for row in visits.order_by()}
    routine = (
        PlannedVisit.objects.filter(member__in=members, kind=Kind.ROUTINE)
        .values("member_id")
        .annotate(count=Count("id"), last_closed=Max("due_by", filter=~Q(status=PlannedVisit.Status.DUE)))
        .order_by()
    )
    for row in routine:
        roster.routine_count[row["member_id"]] = row["count"]
        roster.routine_last_closed[row["member_id"]] = row["last_closed"]
    roster.open_visits = list(
        PlannedVisit.objects.open()
        .filter(member__in=members)
        .only("id", "member_id", "kind", "due_from", "due_by", "responsible_id")
    )
    roster.open_routine = {v.member_id for v in roster.open_visits if v.kind == Kind.ROUTINE}
    stored = {p.branch_id: p for p in VisitPolicy.objects.filter(branch_id__in=branch_set)}
    roster.policies = {b: stored.get(b) or VisitPolicy(branch_id=b) for b in branch_set}
    return roster


def member_categories(roster: Roster, member_id: int, birth: datetime.date, on: datetime.date) -> set[str]:
    categories = set(roster.categories.get(member_id, ()))
    if birth <= years_before(on, ELDERLY_AGE):
        categories.add(CareCategory.ELDERLY)
    return categories


def plan_member(roster: Roster, row, today: datetime.date, horizon: datetime.date) -> list[PlannedVisit]:
    """The planned visits one member should have in the window (existing ones are skipped by the database)."""
    member_id, branch_id, birth, lunar, group_id = row
    policy = roster.policies[branch_id]
    categories = member_categories(roster, member_id, birth, today)
    responsible = roster.responsible.get(group_id)
    planned = []
    routine = routine_visit(roster, member_id, policy.interval_for(categories), today)
    if routine is not None:
        planned.append(routine)
    planned.extend(festival_visits(policy, member_id, birth, categories, today, horizon))
    planned.extend(birthday_visits(policy, member_id, birth, lunar, today, horizon))
    for period_id, started_on in roster.urgent.get(member_id, ()):
        if roster.last_visit.get(member_id, datetime.date.min) < started_on:
            planned.append(hospital_visit(policy, member_id, period_id, started_on))
    for visit in planned:
        visit.responsible_id = responsible
    return planned


def routine_base(roster: Roster, member_id: int) -> datetime.date | None:
    """The day routine visits count from: the later of the last visit and the last closed routine visit."""
    known = [d for d in (roster.last_visit.get(member_id), roster.routine_last_closed.get(member_id)) if d]
    return max(known) if known else None


def routine_window(base: datetime.date | None, interval: int, member_id: int, today: datetime.date):
    if base is None:
        # Never visited nor planned: spread first visits over the interval, not all on one day.
        due_by = today + datetime.timedelta(days=1 + member_id % interval)
    else:
        due_by = base + datetime.timedelta(days=interval)
    return due_by - datetime.timedelta(days=interval // 3), due_by


def routine_visit(roster: Roster, member_id: int, interval: int, today: datetime.date) -> PlannedVisit | None:
    if member_id in roster.open_routine:
        return None
    due_from, due_by = routine_window(routine_base(roster, member_id), interval, member_id, today)
    sequence = roster.routine_count.get(member_id, 0) + 1
    return PlannedVisit(
        member_id=member_id,
        kind=Kind.ROUTINE,
        occasion=f"routine-{sequence}",
        due_from=due_from,
        due_by=due_by,
    )


def festival_visits(policy, member_id, birth, categories, today, horizon) -> list[PlannedVisit]:
    window = datetime.timedelta(days=policy.festival_window_days)
    chosen = set(policy.festival_categories)
    planned = []
    for festival, year, day in festivals_between(policy.festivals, today, horizon + window):
        on_day = categories | ({CareCategory.ELDERLY} if birth <= years_before(day, ELDERLY_AGE) else set())
        if day - window <= horizon and on_day & chosen:
            planned.append(
                PlannedVisit(
                    member_id=member_id,
                    kind=Kind.FESTIVAL,
                    occasion=f"{year}-{festival.value}",
                    occasion_date=day,
                    due_from=day - window,
                    due_by=day,
                )
            )
    return planned


def birthday_visits(policy, member_id, birth, lunar, today, horizon) -> list[PlannedVisit]:
    window = datetime.timedelta(days=policy.birthday_window_days)
    milestones = set(policy.milestone_ages)
    youngest = min([policy.birthday_from_age, *milestones])
    if birth > years_before(horizon + window, youngest):
        return []  # too young for any birthday visit in the window: skip the lunar arithmetic
    planned = []
    for birthday in birthdays_between(birth, today, horizon + window, lunar=lunar):
        if birthday.date - window <= horizon and (
            birthday.age >= policy.birthday_from_age or birthday.age in milestones
        ):
            planned.append(
                PlannedVisit(
                    member_id=member_id,
                    kind=Kind.BIRTHDAY,
                    occasion=birthday.occasion,
                    occasion_date=birthday.date,
                    due_from=birthday.date - window,
                    due_by=birthday.date,
                )
            )
    return planned


def hospital_visit(policy, member_id: int, period_id: int, started_on: datetime.date) -> PlannedVisit:
    return PlannedVisit(
        member_id=member_id,
        kind=Kind.HOSPITAL,
        occasion=f"hospital-{period_id}",
        occasion_date=started_on,
        due_from=started_on,
        due_by=started_on + datetime.timedelta(days=policy.hospital_visit_days),
    )


def _update_open(roster: Roster, today: datetime.date) -> tuple[int, int]:
    """Reassigns open visits to the group's current responsible and brings routine visits forward
    when a member's interval got shorter (e.g. newly critically ill)."""
    member_rows = {row[0]: row for row in roster.members}
    reassigned, tightened = [], []
    for visit in roster.open_visits:
        row = member_rows.get(visit.member_id)
        if row is None:
            continue
        responsible = roster.responsible.get(row[4])
        if visit.responsible_id != responsible:
            visit.responsible_id = responsible
            reassigned.append(visit)
        if visit.kind == Kind.ROUTINE and _tighten(roster, visit, row, today):
            tightened.append(visit)
    changed = {v.pk: v for v in reassigned + tightened}.values()
    PlannedVisit.objects.bulk_update(changed, ["responsible", "due_from", "due_by"], batch_size=BATCH_SIZE)
    return len(reassigned), len(tightened)


def _tighten(roster: Roster, visit: PlannedVisit, row, today: datetime.date) -> bool:
    member_id, branch_id, birth = row[0], row[1], row[2]
    base = routine_base(roster, member_id)
    if base is None:
        return False
    interval = roster.policies[branch_id].interval_for(member_categories(roster, member_id, birth, today))
    due_from, due_by = routine_window(base, interval, member_id, today)
    if due_by >= visit.due_by:
        return False
    visit.due_from, visit.due_by = min(visit.due_from, due_from), due_by
    return True
