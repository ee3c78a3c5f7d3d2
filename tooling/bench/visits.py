"""Visits: five years of the three visits per member (~25 each), the last year's planned visits, concerns.

Members in care or aged 80+ get a routine visit about every 90 days, a visit at each festival
round and on their birthday; everyone else one about every 180 days. The open planned visits
ahead are made here the way the planner would (the benchmark then times the planner itself
remaking them), so seeding does not depend on the speed of what it is there to measure.
"""

import datetime
from dataclasses import dataclass

from django.db import connection

from org.models import Bureau

from .base import BenchMember, Context, copy_rows, raw_delete, reserve_ids

YEARS = 5
CARED_INTERVAL = 90
HORIZON_DAYS = 60
OTHER_INTERVAL = 180
PLANNED_DAYS = 365
CONCERN_SHARE = 0.03
NOTES = [
    "身体尚好，精神不错。",
    "老人家谈起支部的学习很高兴。",
    "家属在，交谈顺利。",
    "电话问候，一切正常。",
    "",
]
CONCERN_TEXTS = {
    "health": "希望安排一次上门体检。",
    "housing": "楼道没有扶手，上下楼困难。",
    "pension": "询问今年养老金调整的时间。",
    "family": "子女在外地，希望多来看看。",
    "policy": "想了解医疗费报销的新规定。",
    "other": "希望支部组织一次参观活动。",
}

# The states a seeded concern passes through to reach its state, one event a day after it was raised.
EVENT_PATHS = {
    "open": [],
    "answered": ["answered"],
    "escalated": ["escalated"],
    "bureau_replied": ["escalated", "bureau_replied"],
    "closed": ["answered", "closed"],
}


@dataclass
class Row:
    member: BenchMember
    date: datetime.date
    kind: str
    occasion: str
    occasion_date: datetime.date | None = None


def present(bureau: Bureau) -> bool:
    from visits.models import Visit

    return Visit.objects.filter(member__branch__bureau=bureau).exists()


def seed(ctx: Context) -> None:
    rows = sorted(_visit_rows(ctx), key=lambda row: (row.member.id, row.date))
    planned_ids = _planned(ctx, rows)
    visit_ids = _visits(ctx, rows, planned_ids)
    _concerns(ctx, rows, visit_ids)
    _open_planned(ctx, rows)


def _visit_rows(ctx: Context) -> list[Row]:
    from visits.lunar import festivals_between
    from visits.models import DEFAULT_FESTIVALS

    rng, today = ctx.rng, ctx.today
    start = today - datetime.timedelta(days=365 * YEARS)
    festivals = festivals_between(DEFAULT_FESTIVALS, start, today - datetime.timedelta(days=1))
    rows = []
    for member in ctx.members:
        end = member.left_on or today
        interval = CARED_INTERVAL if member.cared or _age(member, today) >= 80 else OTHER_INTERVAL
        day = start + datetime.timedelta(days=rng.randint(0, interval))
        while day < end:
            rows.append(Row(member, day, "routine", ""))
            day += datetime.timedelta(days=interval + rng.randint(-10, 10))
        if interval == OTHER_INTERVAL:
            continue
        for festival, year, festival_day in festivals:
            if festival_day < end:
                visited = festival_day - datetime.timedelta(days=rng.randint(0, 7))
                rows.append(Row(member, visited, "festival", f"{year}-{festival.value}", festival_day))
        for year in range(start.year + 1, end.year + 1):
            birthday = _birthday(member.birth_date, year)
            if start <= birthday < end and year - member.birth_date.year >= 80:
                visited = birthday - datetime.timedelta(days=rng.randint(0, 5))
                rows.append(Row(member, visited, "birthday", f"birthday-{year}", birthday))
    return rows


def _planned(ctx: Context, rows: list[Row]) -> dict[int, int]:
    """Done planned visits for the last year's visits: row index -> planned visit id."""
    from visits.models import PlannedVisit

    since = ctx.today - datetime.timedelta(days=PLANNED_DAYS)
    indexes = [i for i, row in enumerate(rows) if row.date >= since]
    # Routine occasions count from 1 in the planned year, as the planner counts the rows it finds.
    sequence: dict[int, int] = {}
    for i in indexes:
        if rows[i].kind == "routine":
            sequence[rows[i].member.id] = sequence.get(rows[i].member.id, 0) + 1
            rows[i].occasion = f"routine-{sequence[rows[i].member.id]}"
    ids = reserve_ids(PlannedVisit, len(indexes))
    copy_rows(
        PlannedVisit,
        [
            "id",
            "member_id",
            "kind",
            "occasion",
            "occasion_date",
            "due_from",
            "due_by",
            "responsible_id",
            "status",
        ],
        (
            (
                pk,
                rows[i].member.id,
                rows[i].kind,
                rows[i].occasion,
                rows[i].occasion_date,
                rows[i].date - datetime.timedelta(days=10),
                rows[i].date + datetime.timedelta(days=3),
                ctx.group_leaders[rows[i].member.group_id][0],
                "done",
            )
            for pk, i in zip(ids, indexes, strict=True)
        ),
    )
    return dict(zip(indexes, ids, strict=True))


def _open_planned(ctx: Context, rows: list[Row]) -> None:
    """Each active member's next routine visit, where the planner would put it with the default
    policy (some overdue), and the coming festival and birthday visits."""
    from visits.lunar import festivals_between
    from visits.models import DEFAULT_FESTIVALS, PlannedVisit, VisitPolicy
    from visits.planning import routine_window

    today = ctx.today
    policy = VisitPolicy()
    horizon = today + datetime.timedelta(days=HORIZON_DAYS)
    festivals = festivals_between(DEFAULT_FESTIVALS, today, horizon)
    last_visit: dict[int, datetime.date] = {}
    routines: dict[int, int] = {}
    for row in rows:
        # The planner counts from the later of the last visit and the last closed routine visit's due_by.
        seen = row.date + datetime.timedelta(days=3) if row.occasion.startswith("routine-") else row.date
        last_visit[row.member.id] = max(seen, last_visit.get(row.member.id, seen))
        if row.occasion.startswith("routine-"):
            routines[row.member.id] = routines.get(row.member.id, 0) + 1
    planned = []
    for member in ctx.members:
        if not member.active:
            continue
        elderly = _age(member, today) >= 80
        categories = member.categories | ({"elderly"} if elderly else set())
        interval = policy.interval_for(categories)
        due_from, due_by = routine_window(last_visit.get(member.id), interval, member.id, today)
        leader = ctx.group_leaders[member.group_id][0]
        sequence = routines.get(member.id, 0) + 1
        planned.append((member.id, "routine", f"routine-{sequence}", None, due_from, due_by, leader))
        if not categories:
            continue
        for festival, year, day in festivals:
            window = day - datetime.timedelta(days=10)
            planned.append((member.id, "festival", f"{year}-{festival.value}", day, window, day, leader))
        for year in (today.year, today.year + 1):
            birthday = _birthday(member.birth_date, year)
            if today <= birthday <= horizon and year - member.birth_date.year >= 80:
                window = birthday - datetime.timedelta(days=7)
                planned.append(
                    (member.id, "birthday", f"birthday-{year}", birthday, window, birthday, leader)
                )
    fields = ["member_id", "kind", "occasion", "occasion_date", "due_from", "due_by", "responsible_id"]
    copy_rows(PlannedVisit, fields, planned)


def _visits(ctx: Context, rows: list[Row], planned_ids: dict[int, int]) -> range:
    from visits.models import Visit

    rng = ctx.rng
    ids = reserve_ids(Visit, len(rows))
    leaders = [ctx.group_leaders[row.member.group_id] for row in rows]
    modes = rng.choices(["home", "phone", "video"], weights=[16, 3, 1], k=len(rows))
    ten = datetime.time(10, 0, tzinfo=datetime.UTC)
    copy_rows(
        Visit,
        [
            "id",
            "member_id",
            "date",
            "kind",
            "planned_id",
            "mode",
            "amount",
            "notes",
            "recorded_by_id",
            "created_at",
        ],
        (
            (
                pk,
                row.member.id,
                row.date,
                row.kind,
                planned_ids.get(i),
                modes[i],
                {"festival": 300, "birthday": 200}.get(row.kind, 0),
                NOTES[pk % len(NOTES)],
                leaders[i][0],
                datetime.datetime.combine(row.date, ten),
            )
            for i, (pk, row) in enumerate(zip(ids, rows, strict=True))
        ),
    )
    through = Visit.visitors.through
    pairs = ((pk, leader) for pk, (leader, _deputy) in zip(ids, leaders, strict=True))
    copy_rows(through, ["visit_id", "user_id"], pairs)
    deputies = (
        (pk, deputy) for pk, (leader, deputy) in zip(ids, leaders, strict=True) if pk % 3 == 0 and deputy
    )
    copy_rows(through, ["visit_id", "user_id"], deputies)
    return ids


def _concerns(ctx: Context, rows: list[Row], visit_ids: range) -> None:
    """About 3 % of visits raise a concern; most are answered and closed, a few reach the bureau."""
    from visits.models import Concern, ConcernEvent

    rng = ctx.rng
    chosen = [i for i in range(len(rows)) if rng.random() < CONCERN_SHARE]
    ids = reserve_ids(Concern, len(chosen))
    states = []
    for i in chosen:
        recent = (ctx.today - rows[i].date).days < 60
        weights = [4, 2, 2, 1, 3] if recent else [0, 1, 0, 1, 20]
        states.append(rng.choices(["open", "answered", "escalated", "bureau_replied", "closed"], weights)[0])
    categories = list(CONCERN_TEXTS)
    copy_rows(
        Concern,
        [
            "id",
            "member_id",
            "raised_via",
            "visit_id",
            "category",
            "text",
            "raised_on",
            "state",
            "escalated_at",
            "updated_at",
        ],
        (
            (
                pk,
                rows[i].member.id,
                "visit",
                visit_ids[i],
                categories[pk % len(categories)],
                CONCERN_TEXTS[categories[pk % len(categories)]],
                rows[i].date,
                state,
                _at(rows[i].date, 2) if state in ("escalated", "bureau_replied") else None,
                _updated_at(rows[i], state),
            )
            for pk, i, state in zip(ids, chosen, states, strict=True)
        ),
    )
    if connection.vendor != "postgresql":
        _restamp(ids, [_updated_at(rows[i], state) for i, state in zip(chosen, states, strict=True)])
    copy_rows(
        ConcernEvent,
        ["concern_id", "from_state", "to_state", "comment", "actor_id", "at"],
        (
            event
            for pk, i, state in zip(ids, chosen, states, strict=True)
            for event in _events(pk, rows[i], state, ctx.group_leaders[rows[i].member.group_id][0])
        ),
    )


def _events(concern_id: int, row: Row, state: str, actor: int):
    path = EVENT_PATHS[state]
    previous = "open"
    for step, to_state in enumerate(path, start=1):
        yield concern_id, previous, to_state, "已联系老同志，说明情况。", actor, _at(row.date, step)
        previous = to_state


def _updated_at(row: Row, state: str) -> datetime.datetime:
    """When the concern last changed: its last event (see _events), or when it was raised.

    Left to auto_now, every concern would look changed at seeding time and the concerns page's
    default list (needing attention, or changed in the last 90 days) would count every closed one.
    """
    return _at(row.date, len(EVENT_PATHS[state]))


def _restamp(ids: range, updated: list[datetime.datetime]) -> None:
    """SQLite (the tests) inserts through bulk_create, which stamps auto_now over the value given;
    bulk_update sets it as given."""
    from visits.models import Concern

    concerns = [Concern(pk=pk, updated_at=at) for pk, at in zip(ids, updated, strict=True)]
    Concern.objects.bulk_update(concerns, ["updated_at"], batch_size=500)


def _at(day: datetime.date, days_later: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=days_later), datetime.time(2, tzinfo=datetime.UTC)
    )


def _age(member: BenchMember, on: datetime.date) -> int:
    birth = member.birth_date
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _birthday(birth: datetime.date, year: int) -> datetime.date:
    try:
        return birth.replace(year=year)
    except ValueError:
        return birth.replace(year=year, day=28)


def wipe(bureau: Bureau) -> None:
    from visits.models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy

    members = {"member__branch__bureau": bureau}
    raw_delete(ConcernEvent.objects.filter(concern__member__branch__bureau=bureau))
    raw_delete(Concern.objects.filter(**members))
    raw_delete(Visit.visitors.through.objects.filter(visit__member__branch__bureau=bureau))
    raw_delete(Visit.objects.filter(**members))
    raw_delete(PlannedVisit.objects.filter(**members))
    raw_delete(VisitPolicy.objects.filter(branch__bureau=bureau))
