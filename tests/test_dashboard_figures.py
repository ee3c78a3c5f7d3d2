"""The dashboard's figures query compiled once per shape (branch_portal/dashboard_figures.py) reads
exactly what the ORM's build of it reads, for every user, role mix, branch set and day."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import BranchRole
from accounts.permissions import roles_by_branch
from branch_portal import dashboard_figures
from branch_portal.dashboard import figures_query
from branch_portal.dashboard_figures import figures_row
from members.models import CareCategory, CarePeriod, Member
from notifications.models import Call, Message
from tests.dues.factories import DuesRateFactory, pay
from tests.factories import (
    BranchFactory,
    BranchRoleFactory,
    BureauFactory,
    ContactGroupFactory,
    MemberFactory,
    UserFactory,
)
from tests.notifications.factories import NoticeFactory
from tests.study.factories import StudyActivityFactory
from tests.visits.factories import ConcernFactory, PlannedVisitFactory
from visits.models import Concern

Role = BranchRole.Role
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = [datetime.date(2026, 12, 6), datetime.date(2027, 1, 1), datetime.date(2028, 2, 29)]


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.setattr(dashboard_figures, "_compiled", {})


def _user(username: str, *held) -> object:
    user = UserFactory(username=username)
    for branch, role in held:
        BranchRoleFactory(user=user, branch=branch, role=role)
    return user


def _fill(branch, leader, secretary, size: int, day: datetime.date) -> None:
    """Members of every age and state, with care periods, dues, notices, calls, visits and concerns."""
    group = ContactGroupFactory(branch=branch, leader=leader)
    members = [
        MemberFactory(
            branch=branch,
            contact_group=group if i % 3 else None,
            birth_date=datetime.date(1936 + 4 * i, 1 + i % 12, 1 + i % 28),
            phone="" if i % 4 == 0 else f"+86138{branch.pk:04d}{i:04d}",
        )
        for i in range(size)
    ]
    members.append(MemberFactory(branch=branch, birth_date=day.replace(year=day.year - 80, day=28)))
    Member.objects.filter(pk=members[1].pk).update(status=Member.Status.DECEASED, status_changed_on=day)
    week = datetime.timedelta(days=7)
    for i, member in enumerate(members[2:], start=2):
        if i % 2:
            started = day - week if i % 5 else day + week  # some begin only next week
            CarePeriod.objects.create(member=member, category=CareCategory.FRAIL, started_on=started)
        if i % 3 == 0:
            CarePeriod.objects.create(
                member=member, category=CareCategory.ALONE, started_on=day - 9 * week, ended_on=day - week
            )
        DuesRateFactory(member=member, valid_from=datetime.date(2025, 1, 1))
        if i % 2 == 0:
            pay(secretary, member, datetime.date(2025, 1, 1), day.replace(day=1), day)
        PlannedVisitFactory(member=member, due_from=day - 2 * week, due_by=day + (i % 4 - 1) * week)
        concern = ConcernFactory(member=member)
        if i % 2:
            escalated = _moment(day) - datetime.timedelta(days=20 + 10 * (i % 3))
            escalation = {"state": Concern.State.ESCALATED, "escalated_at": escalated}
            Concern.objects.filter(pk=concern.pk).update(**escalation)
    notice = NoticeFactory(branch=branch, year=day.year, number=1)
    NoticeFactory(branch=branch, year=day.year - 1, number=7)
    Message.objects.create(
        branch=branch,
        notice=notice,
        member=members[0],
        recipient_name="x",
        channel="sms",
        to="+8613800000000",
        body="x",
        idempotency_key=f"figures-{branch.pk}",
        status=Message.Status.FAILED,
        not_before=_moment(day),
    )
    for member, caller in zip(members[2:6], [leader, leader, leader, None], strict=True):
        Call.objects.create(
            branch=branch, notice=notice, member=member, caller=caller, reason=Call.Reason.NO_MOBILE, body="x"
        )
    StudyActivityFactory(organiser=branch, branches=[branch], date=day + week, theme=f"学习{branch.pk}")


@pytest.fixture
def cast(db):
    """Users of every role mix over three branches of two bureaus (the first two share a bureau)."""
    bureau = BureauFactory(name="甲局")
    first, second = BranchFactory(bureau=bureau), BranchFactory(bureau=bureau)
    BranchFactory.create_batch(70, bureau=bureau)  # the bureau's reach: sets of ids this large reorder
    third = BranchFactory(bureau=BureauFactory(name="乙局"))
    people = {
        "committee_of_two": _user("committee2", (first, Role.COMMITTEE), (second, Role.COMMITTEE)),
        "secretary": _user("secretary1", (first, Role.SECRETARY)),
        "other_secretary": _user("secretary3", (third, Role.SECRETARY)),  # the same shape, other figures
        "second_secretary": _user("secretary2", (second, Role.SECRETARY)),
        "group_leader": _user("leader", (first, Role.LIAISON)),
        "bureau": _user("bureau", (second, Role.BUREAU)),
        "deputy_and_liaison": _user("mixed", (first, Role.DEPUTY), (third, Role.LIAISON)),
        "member_carer": _user("carer", (second, Role.LIAISON), (second, Role.MEMBER)),
        "member": _user("member", (first, Role.MEMBER)),
    }
    _fill(first, people["group_leader"], people["secretary"], 14, DAYS[0])
    _fill(second, people["member_carer"], people["second_secretary"], 9, DAYS[0])
    _fill(third, people["other_secretary"], people["other_secretary"], 6, DAYS[0])
    for branch, reader in [(second, people["member_carer"]), (first, people["member"])]:
        Member.objects.filter(pk=MemberFactory(branch=branch).pk).update(user=reader)
    return people


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10, 30, 15, 123456), tzinfo=SHANGHAI)


def _orm(user, day: datetime.date, now: datetime.datetime) -> dict:
    query = figures_query(user, day, now)
    return {} if query is None else query.get()


@pytest.mark.parametrize("day", DAYS)
def test_the_compiled_figures_are_the_orms_for_every_user_and_day(cast, day):
    now = _moment(day)
    for name, user in cast.items():
        assert figures_row(user, day, now, figures_query) == _orm(user, day, now), name
    assert dashboard_figures._ORM not in dashboard_figures._compiled.values()  # every shape compiled


def test_the_figures_are_not_all_zero(cast):
    # The comparison above means something: the cast's figures are many and various.
    row = figures_row(cast["committee_of_two"], DAYS[0], _moment(DAYS[0]), figures_query)
    members = row["member_counts"]
    assert members["all"] == 25  # (14 + 1 of 80 + 1 reader) + (9 + 1 + 1), less a death in each
    assert 0 < members["elderly"] < members["cared_for"] < members["all"]
    assert row["calls_to_make"] == 2  # the calls with no caller, in either branch
    assert row["visits_overdue"] and row["visits_week"] and row["concerns_open"] and row["concerns_stale"]
    assert row["dues_owing"] and row["dues_collected"] > Decimal(0)
    assert row["notices_issued"] == 2 and row["messages_failed"] == 2
    assert row["next_study"]["theme"].startswith("学习")
    assert row["reader"] is False
    assert figures_row(cast["member_carer"], DAYS[0], _moment(DAYS[0]), figures_query)["reader"] is True


def test_a_moment_later_the_stale_escalations_follow_now(cast):
    user = cast["secretary"]
    for hours in [0, 24 * 5, 24 * 10 + 1]:
        now = _moment(DAYS[0]) + datetime.timedelta(hours=hours)
        assert figures_row(user, DAYS[0], now, figures_query) == _orm(user, DAYS[0], now)


def test_the_sql_is_built_twice_per_shape_and_day_then_never(cast, django_assert_num_queries):
    builds = []

    def counted(user, day, now):
        builds.append(user.pk)
        return figures_query(user, day, now)

    now = _moment(DAYS[0])
    figures_row(cast["secretary"], DAYS[0], now, counted)
    assert len(builds) == 2 and all(pk < 0 for pk in builds)  # the two stand-ins
    roles_by_branch(cast["other_secretary"])
    with django_assert_num_queries(1):
        figures_row(cast["other_secretary"], DAYS[0], now, counted)  # the same roles elsewhere
    assert len(builds) == 2
    figures_row(cast["secretary"], DAYS[1], _moment(DAYS[1]), counted)
    assert len(builds) == 4
    assert len(dashboard_figures._compiled) == 1  # yesterday's SQL went


def test_a_build_that_reads_the_clock_itself_is_built_by_the_orm_each_time(cast):
    def own_clock(user, day, now):
        return figures_query(user, day, timezone.now())

    user = cast["secretary"]
    now = _moment(DAYS[0])
    assert figures_row(user, DAYS[0], now, own_clock) == _orm(user, DAYS[0], timezone.now())
    assert list(dashboard_figures._compiled.values()) == [dashboard_figures._ORM]
