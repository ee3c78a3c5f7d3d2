"""The three-visit planner: materialises PlannedVisit rows for a rolling window.

It reads the roster in a fixed number of queries, decides in Python, compares what it wants
with what is planned already and writes only the difference, so a run with nothing changed
writes nothing. New rows go in with `bulk_create(ignore_conflicts=True)`: the unique
(member, kind, occasion) constraint, not this code, keeps two concurrent runs from planning
an occasion twice. Planned visits are never deleted, only cancelled, so a member's routine
sequence number only grows. Existing rows change only as before: open ones follow their
group's responsible person, and open routine visits are brought forward when a member's
interval gets shorter.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from lib.calendar import years_before
from members.models import ELDERLY_AGE, CareCategory, CarePeriod, ContactGroup, Member

from .lunar import birthdays_between, festivals_between
from .models import PlannedVisit, Visit, VisitPolicy

HORIZON_DAYS = 60
# A member who went into hospital while the planner was not running is still caught a week later.
HOSPITAL_LOOKBACK_DAYS = 7
URGENT_CATEGORIES = (CareCategory.HOSPITALISED, CareCategory.CRITICAL)
# Rows per INSERT: a bureau's first run sends ~17,000; a few statements, none of them huge.
BATCH_SIZE = 2000
Kind = PlannedVisit.Kind


@dataclass
class PlanResult:
    created: int = 0
    cancelled: int = 0
    reassigned: int = 0
    tightened: int = 0


class MemberRow(NamedTuple):
    id: int
    branch_id: int
    birth: datetime.date
    lunar: bool
    group_id: int | None
    last_visit: datetime.date | None


class Wanted(NamedTuple):
    """A planned visit the member should have; `responsible` is set only when it is created."""

    member_id: int
    kind: str
    occasion: str
    occasion_date: datetime.date | None
    due_from: datetime.date
    due_by: datetime.date


# PlannedVisit's columns in the order _create passes them (a test holds it to the model's).
PLANNED_VISIT_COLUMNS = ("id", *Wanted._fields, "responsible_id", "status", "cancel_reason", "created_at")


class OpenVisit(NamedTuple):
    id: int
    member_id: int
    kind: str
    due_from: datetime.date
    due_by: datetime.date
    responsible_id: int | None


@dataclass
class BranchRules:
    """A branch's policy turned, once per run, into what each member's plan looks up."""

    policy: VisitPolicy
    # (festival, year, day, born on or before this to be 80 on the day) whose window opens by the horizon
    festivals: list
    festival_categories: frozenset
    festival_window: datetime.timedelta
    birthday_window: datetime.timedelta
    milestones: frozenset
    # Born after this: too young for any birthday visit in the window (skips the lunar arithmetic).
    birthday_born_by: datetime.date


@dataclass
class Roster:
    """What the planner knows of each active member, loaded in a fixed number of queries."""

    members: list = field(default_factory=list)  # MemberRow, by id
    responsible: dict = field(default_factory=dict)  # group id -> user id
    categories: dict = field(default_factory=lambda: defaultdict(set))  # member id -> stored categories
    urgent: dict = field(default_factory=lambda: defaultdict(list))  # member id -> [(period id, started_on)]
    routine_count: dict = field(default_factory=dict)  # member id -> routine planned visits so far
    routine_last_closed: dict = field(default_factory=dict)  # member id -> due_by of the last closed one
    open_visits: list = field(default_factory=list)  # OpenVisit
    open_routine: set = field(default_factory=set)  # ids of members with an open routine visit
    rules: dict = field(default_factory=dict)  # branch id -> BranchRules
    elderly_born_by: datetime.date = datetime.date.min  # born on or before this: 80 or over today


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
        roster = load_roster(members, today, horizon)
        wanted = [visit for row in roster.members for visit in plan_member(roster, row, today, horizon)]
        result.created = _create(roster, _not_planned_yet(wanted, members), members)
        result.reassigned, result.tightened = _update_open(roster, today)
    return result


def cancel_for_departed(*, branch_ids: list[int] | None = None) -> int:
    """Cancels the open planned visits of deceased and transferred members, saying why (the member
    services' care_events already do it at once; this catches rows written around them)."""
    reasons = {
        Member.Status.DECEASED: gettext("The member has died."),
        Member.Status.TRANSFERRED: gettext("The member has transferred out of the branch."),
    }
    # The condolence visit to a deceased member's family is the one visit that outlives them.
    departed = (
        PlannedVisit.objects.open().filter(member__status__in=list(reasons)).exclude(kind=Kind.CONDOLENCE)
    )
    if branch_ids is not None:
        departed = departed.filter(member__branch_id__in=branch_ids)
    # Row by row, so that each visit's history records its cancelling (an update() it never sees); an
    # hourly run with no one departed reads one empty list and writes nothing.
    cancelled = 0
    for planned in departed.select_related("member"):
        planned.status, planned.cancel_reason = PlannedVisit.Status.CANCELLED, reasons[planned.member.status]
        planned.save(update_fields=["status", "cancel_reason"])
        cancelled += 1
    return cancelled


def load_roster(members, today: datetime.date, horizon: datetime.date) -> Roster:
    """Loads everything the planner needs about `members` in six queries, however many there are."""
    roster = Roster(elderly_born_by=years_before(today, ELDERLY_AGE))
    # Each member's last visit: one probe of visit_member_date_idx per member, not an aggregate
    # over every visit ever recorded.
    last_visit = Visit.objects.filter(member=OuterRef("pk")).order_by("-date").values("date")[:1]
    roster.members = [
        MemberRow(*row)
        for row in members.order_by("id")
        .annotate(last_visit=Subquery(last_visit))
        .values_list("id", "branch_id", "birth_date", "lunar_birthday", "contact_group_id", "last_visit")
    ]
    branch_set = {row.branch_id for row in roster.members}
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
    routine = (
        PlannedVisit.objects.filter(member__in=members, kind=Kind.ROUTINE)
        .values("member_id")
        .annotate(count=Count("id"), last_closed=Max("due_by", filter=~Q(status=PlannedVisit.Status.DUE)))
        .order_by()
    )
    for row in routine:
        roster.routine_count[row["member_id"]] = row["count"]
        roster.routine_last_closed[row["member_id"]] = row["last_closed"]
    roster.open_visits = [
        OpenVisit(*row)
        for row in PlannedVisit.objects.open()
        .filter(member__in=members)
        .order_by()
        .values_list("id", "member_id", "kind", "due_from", "due_by", "responsible_id")
    ]
    roster.open_routine = {v.member_id for v in roster.open_visits if v.kind == Kind.ROUTINE}
    stored = {p.branch_id: p for p in VisitPolicy.objects.filter(branch_id__in=branch_set)}
    roster.rules = {
        b: branch_rules(stored.get(b) or VisitPolicy(branch_id=b), today, horizon) for b in branch_set
    }
    return roster


def branch_rules(policy: VisitPolicy, today: datetime.date, horizon: datetime.date) -> BranchRules:
    festival_window = datetime.timedelta(days=policy.festival_window_days)
    birthday_window = datetime.timedelta(days=policy.birthday_window_days)
    youngest = min([policy.birthday_from_age, *policy.milestone_ages])
    return BranchRules(
        policy=policy,
        festivals=[
            (festival, year, day, years_before(day, ELDERLY_AGE))
            for festival, year, day in festivals_between(policy.festivals, today, horizon + festival_window)
            if day - festival_window <= horizon
        ],
        festival_categories=frozenset(policy.festival_categories),
        festival_window=festival_window,
        birthday_window=birthday_window,
        milestones=frozenset(policy.milestone_ages),
        birthday_born_by=years_before(horizon + birthday_window, youngest),
    )


def member_categories(roster: Roster, row: MemberRow) -> set[str]:
    """The member's care categories today: those stored, and "elderly" from the birth date."""
    categories = set(roster.categories.get(row.id, ()))
    if row.birth <= roster.elderly_born_by:
        categories.add(CareCategory.ELDERLY)
    return categories


def plan_member(roster: Roster, row: MemberRow, today: datetime.date, horizon: datetime.date) -> list[Wanted]:
    """The planned visits one member should have in the window, planned already or not."""
    rules = roster.rules[row.branch_id]
    categories = member_categories(roster, row)
    planned = []
    if row.id not in roster.open_routine:
        planned.append(routine_visit(roster, row, rules.policy.interval_for(categories), today))
    planned.extend(festival_visits(rules, row, categories))
    planned.extend(birthday_visits(rules, row, today, horizon))
    for period_id, started_on in roster.urgent.get(row.id, ()):
        if (row.last_visit or datetime.date.min) < started_on:
            planned.append(hospital_visit(rules.policy, row.id, period_id, started_on))
    return planned


def routine_base(roster: Roster, row: MemberRow) -> datetime.date | None:
    """The day routine visits count from: the later of the last visit and the last closed routine visit."""
    known = [d for d in (row.last_visit, roster.routine_last_closed.get(row.id)) if d]
    return max(known) if known else None


def routine_window(base: datetime.date | None, interval: int, member_id: int, today: datetime.date):
    if base is None:
        # Never visited nor planned: spread first visits over the interval, not all on one day.
        due_by = today + datetime.timedelta(days=1 + member_id % interval)
    else:
        due_by = base + datetime.timedelta(days=interval)
    return due_by - datetime.timedelta(days=interval // 3), due_by


def routine_visit(roster: Roster, row: MemberRow, interval: int, today: datetime.date) -> Wanted:
    due_from, due_by = routine_window(routine_base(roster, row), interval, row.id, today)
    sequence = roster.routine_count.get(row.id, 0) + 1
    return Wanted(row.id, Kind.ROUTINE, f"routine-{sequence}", None, due_from, due_by)


def festival_visits(rules: BranchRules, row: MemberRow, categories: set[str]) -> list[Wanted]:
    chosen = rules.festival_categories
    # Someone 79 today who turns 80 before the festival is elderly on the day.
    in_chosen_category = bool(categories & chosen)
    elderly_chosen = CareCategory.ELDERLY in chosen
    return [
        Wanted(row.id, Kind.FESTIVAL, f"{year}-{festival.value}", day, day - rules.festival_window, day)
        for festival, year, day, elderly_born_by in rules.festivals
        if in_chosen_category or (elderly_chosen and row.birth <= elderly_born_by)
    ]


def birthday_visits(rules: BranchRules, row: MemberRow, today, horizon) -> list[Wanted]:
    if row.birth > rules.birthday_born_by:
        return []
    window, policy = rules.birthday_window, rules.policy
    return [
        Wanted(row.id, Kind.BIRTHDAY, birthday.occasion, birthday.date, birthday.date - window, birthday.date)
        for birthday in birthdays_between(row.birth, today, horizon + window, lunar=row.lunar)
        if birthday.date - window <= horizon
        and (birthday.age >= policy.birthday_from_age or birthday.age in rules.milestones)
    ]


def hospital_visit(policy, member_id: int, period_id: int, started_on: datetime.date) -> Wanted:
    due_by = started_on + datetime.timedelta(days=policy.hospital_visit_days)
    return Wanted(member_id, Kind.HOSPITAL, f"hospital-{period_id}", started_on, started_on, due_by)


def _not_planned_yet(wanted: list[Wanted], members) -> list[Wanted]:
    """The wanted visits with no planned visit (in any status) for their member, kind and occasion.

    A routine visit is numbered after every routine visit the member has, so it is always new;
    the others are looked up by their few occasions ("2026-mid_autumn", "birthday-2026", …).
    """
    occasions = {visit.occasion for visit in wanted if visit.kind != Kind.ROUTINE}
    existing = set()
    if occasions:
        existing = set(
            PlannedVisit.objects.filter(member__in=members, occasion__in=occasions)
            .order_by()
            .values_list("member_id", "kind", "occasion")
        )
    return [visit for visit in wanted if (visit.member_id, visit.kind, visit.occasion) not in existing]


def _create(roster: Roster, new: list[Wanted], members) -> int:
    """Inserts the new planned visits, each for its group's responsible person; returns how many."""
    if not new:
        return 0
    group_of = {row.id: row.group_id for row in roster.members}
    # One timestamp for the run: ignore_conflicts returns no ids, so the rows this run created
    # (not those a concurrent run got in first) are counted by it.
    now = timezone.now()
    # Positional arguments in PLANNED_VISIT_COLUMNS order: Model.__init__ fills them in half the
    # time keywords take, which counts for a bureau's ~17,000 rows.
    rows = [
        PlannedVisit(
            None, *visit, roster.responsible.get(group_of[visit.member_id]), PlannedVisit.Status.DUE, "", now
        )
        for visit in new
    ]
    PlannedVisit.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH_SIZE)
    return PlannedVisit.objects.filter(member__in=members, created_at=now).count()


def _update_open(roster: Roster, today: datetime.date) -> tuple[int, int]:
    """Reassigns open visits to the group's current responsible and brings routine visits forward
    when a member's interval got shorter (e.g. newly critically ill)."""
    member_rows = {row.id: row for row in roster.members}
    changed, reassigned, tightened = [], 0, 0
    for visit in roster.open_visits:
        row = member_rows.get(visit.member_id)
        if row is None:
            continue
        responsible = roster.responsible.get(row.group_id)
        due_from, due_by = visit.due_from, visit.due_by
        if visit.kind == Kind.ROUTINE:
            due_from, due_by = _tightened(roster, visit, row, today)
        if responsible == visit.responsible_id and due_by == visit.due_by:
            continue
        reassigned += responsible != visit.responsible_id
        tightened += due_by != visit.due_by
        changed.append(
            PlannedVisit(id=visit.id, responsible_id=responsible, due_from=due_from, due_by=due_by)
        )
    PlannedVisit.objects.bulk_update(changed, ["responsible", "due_from", "due_by"], batch_size=BATCH_SIZE)
    return reassigned, tightened


def _tightened(roster: Roster, visit: OpenVisit, row: MemberRow, today: datetime.date):
    """The routine visit's window, brought forward if the member's interval now ends sooner."""
    base = routine_base(roster, row)
    if base is None:
        return visit.due_from, visit.due_by
    interval = roster.rules[row.branch_id].policy.interval_for(member_categories(roster, row))
    due_from, due_by = routine_window(base, interval, row.id, today)
    if due_by >= visit.due_by:
        return visit.due_from, visit.due_by
    return min(visit.due_from, due_from), due_by
