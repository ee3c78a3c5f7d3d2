import datetime
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from members.models import CareCategory, ContactGroup, Member
from tests.factories import UserFactory
from tests.visits.conftest import TODAY, make_member
from visits.models import PlannedVisit, Visit, VisitPolicy
from visits.planning import PLANNED_VISIT_COLUMNS, PlanResult, plan_visits

pytestmark = pytest.mark.django_db
D = datetime.date
Kind = PlannedVisit.Kind


def days(n):
    return datetime.timedelta(days=n)


def open_routine(member):
    return PlannedVisit.objects.open().get(member=member, kind=Kind.ROUTINE)


def test_planning_twice_creates_nothing_new(branch, leader_group):
    for age in (60, 81, 90):
        make_member(branch, leader_group, age=age, categories=[CareCategory.ALONE])
    first = plan_visits(today=TODAY)
    count = PlannedVisit.objects.count()
    second = plan_visits(today=TODAY)
    assert first.created == count > 3
    assert second.created == 0
    assert PlannedVisit.objects.count() == count


def test_the_database_refuses_a_second_planned_visit_for_the_same_occasion(branch, leader_group):
    from django.db import IntegrityError

    member = make_member(branch, leader_group, age=70)
    PlannedVisit.objects.create(
        member=member, kind=Kind.FESTIVAL, occasion="2026-mid_autumn", due_from=TODAY, due_by=TODAY
    )
    with pytest.raises(IntegrityError):
        PlannedVisit.objects.create(
            member=member, kind=Kind.FESTIVAL, occasion="2026-mid_autumn", due_from=TODAY, due_by=TODAY
        )


def test_routine_visit_is_due_one_interval_after_the_last_visit_strictest_category_winning(
    branch, leader_group
):
    member = make_member(
        branch, leader_group, age=70, categories=[CareCategory.EMPTY_NEST, CareCategory.SERIOUSLY_ILL]
    )
    Visit.objects.create(member=member, date=TODAY - days(4), kind=Kind.ROUTINE)
    plan_visits(today=TODAY)
    routine = open_routine(member)
    assert routine.due_by == TODAY - days(4) + days(14)  # 病重 14 beats 空巢 60
    assert routine.occasion == "routine-1"
    assert routine.due_from <= routine.due_by


def test_routine_interval_follows_the_branch_policy(branch, leader_group):
    VisitPolicy.objects.create(branch=branch, other_days=45)
    member = make_member(branch, leader_group, age=60)
    Visit.objects.create(member=member, date=TODAY, kind=Kind.ROUTINE)
    plan_visits(today=TODAY)
    assert open_routine(member).due_by == TODAY + days(45)


def test_routine_visit_is_brought_forward_when_the_member_becomes_critically_ill(branch, leader_group):
    member = make_member(branch, leader_group, age=60)
    Visit.objects.create(member=member, date=TODAY, kind=Kind.ROUTINE)
    plan_visits(today=TODAY)
    assert open_routine(member).due_by == TODAY + days(90)
    from members.models import CarePeriod

    CarePeriod.objects.create(member=member, category=CareCategory.CRITICAL, started_on=TODAY + days(1))
    result = plan_visits(today=TODAY + days(1))
    assert result.tightened == 1
    assert open_routine(member).due_by == TODAY + days(3)


def test_festival_round_covers_the_elderly_and_care_categories_within_the_window(branch, leader_group):
    elder = make_member(branch, leader_group, age=85)
    alone = make_member(branch, leader_group, age=66, categories=[CareCategory.ALONE])
    young = make_member(branch, leader_group, age=66)
    plan_visits(today=TODAY)  # 中秋 2026-09-25 and 重阳 2026-10-18 are within 60 days
    festivals = PlannedVisit.objects.filter(kind=Kind.FESTIVAL)
    assert set(festivals.filter(member=elder).values_list("occasion", flat=True)) == {
        "2026-mid_autumn",
        "2026-double_ninth",
    }
    assert festivals.filter(member=alone).count() == 2
    assert not festivals.filter(member=young).exists()
    mid_autumn = festivals.get(member=elder, occasion="2026-mid_autumn")
    assert (mid_autumn.due_from, mid_autumn.due_by) == (D(2026, 9, 15), D(2026, 9, 25))


def test_festival_rounds_and_categories_come_from_the_policy(branch, leader_group):
    VisitPolicy.objects.create(
        branch=branch,
        festivals=["party_day", "double_ninth"],
        festival_categories=[CareCategory.ALONE],
        festival_window_days=3,
    )
    elder = make_member(branch, leader_group, age=85)
    alone = make_member(branch, leader_group, age=66, categories=[CareCategory.ALONE])
    plan_visits(today=TODAY)
    assert not PlannedVisit.objects.filter(member=elder, kind=Kind.FESTIVAL).exists()
    visit = PlannedVisit.objects.get(member=alone, kind=Kind.FESTIVAL)
    assert (visit.occasion, visit.due_from) == ("2026-double_ninth", D(2026, 10, 15))


def test_birthday_visits_from_80_and_on_milestones_only(branch, leader_group):
    eighty_three = make_member(branch, leader_group, age=83, month=10, day=1)
    seventy = make_member(branch, leader_group, age=70, month=10, day=1)
    seventy_two = make_member(branch, leader_group, age=72, month=10, day=1)
    plan_visits(today=TODAY)
    birthdays = PlannedVisit.objects.filter(kind=Kind.BIRTHDAY)
    assert list(birthdays.filter(member=eighty_three).values_list("occasion", "due_by")) == [
        ("birthday-2026", D(2026, 10, 1))
    ]
    assert birthdays.filter(member=seventy).exists()
    assert not birthdays.filter(member=seventy_two).exists()


def test_a_lunar_birthday_is_planned_on_its_solar_date(branch, leader_group):
    # Born 1946-09-25 = 丙戌年八月三十; in 2026 the eighth month has 29 days... whichever: use the module.
    from visits.lunar import lunar_birthday_in, lunar_of

    member = make_member(branch, leader_group, age=80, month=9, day=20, lunar=True)
    expected = lunar_birthday_in(member.birth_date, 2026)
    assert lunar_of(member.birth_date).year == 1946
    plan_visits(today=TODAY)
    visit = PlannedVisit.objects.get(member=member, kind=Kind.BIRTHDAY)
    assert (visit.occasion, visit.due_by) == ("birthday-2026", expected)


def test_newly_hospitalised_member_gets_a_visit_due_within_a_day(branch, leader_group):
    member = make_member(
        branch, leader_group, age=75, categories=[CareCategory.HOSPITALISED], since=TODAY - days(1)
    )
    long_ago = make_member(branch, leader_group, age=75, categories=[CareCategory.HOSPITALISED])
    plan_visits(today=TODAY)
    visit = PlannedVisit.objects.get(member=member, kind=Kind.HOSPITAL)
    assert (visit.due_from, visit.due_by) == (TODAY - days(1), TODAY)
    assert not PlannedVisit.objects.filter(member=long_ago, kind=Kind.HOSPITAL).exists()


def test_no_hospital_visit_is_planned_when_someone_already_went(branch, leader_group):
    member = make_member(
        branch, leader_group, age=75, categories=[CareCategory.CRITICAL], since=TODAY - days(2)
    )
    Visit.objects.create(member=member, date=TODAY - days(1), kind=Kind.HOSPITAL)
    plan_visits(today=TODAY)
    assert not PlannedVisit.objects.filter(member=member, kind=Kind.HOSPITAL).exists()


def test_responsible_is_the_deputy_while_the_leader_is_away(branch, liaison):
    deputy = UserFactory()
    group = ContactGroup.objects.create(branch=branch, number=2, name="二组", leader=liaison, deputy=deputy)
    member = make_member(branch, group, age=81)
    plan_visits(today=TODAY)
    assert set(PlannedVisit.objects.filter(member=member).values_list("responsible", flat=True)) == {
        liaison.pk
    }
    group.leader_away = True
    group.save()
    result = plan_visits(today=TODAY)
    assert result.reassigned == PlannedVisit.objects.filter(member=member).count()
    assert set(PlannedVisit.objects.filter(member=member).values_list("responsible", flat=True)) == {
        deputy.pk
    }


def test_deceased_members_future_visits_are_cancelled_with_the_reason(branch, leader_group):
    member = make_member(branch, leader_group, age=88)
    plan_visits(today=TODAY)
    done = PlannedVisit.objects.filter(member=member).first()
    done.status = PlannedVisit.Status.DONE
    done.save()
    Member.objects.filter(pk=member.pk).update(status=Member.Status.DECEASED, status_changed_on=TODAY)
    result = plan_visits(today=TODAY)
    cancelled = PlannedVisit.objects.filter(member=member, status=PlannedVisit.Status.CANCELLED)
    assert result.cancelled == cancelled.count() > 0
    with translation.override("zh-hans"):
        reason = gettext("The member has died.")
    assert set(cancelled.values_list("cancel_reason", flat=True)) == {reason}
    done.refresh_from_db()
    assert done.status == PlannedVisit.Status.DONE
    assert not PlannedVisit.objects.open().filter(member=member).exists()


def test_only_the_given_branches_are_planned(branch, other_branch, leader_group, stranger):
    here = make_member(branch, leader_group, age=70)
    group = ContactGroup.objects.create(branch=other_branch, number=1, name="一组", leader=stranger)
    there = make_member(other_branch, group, age=70)
    plan_visits(branch_ids=[other_branch.pk], today=TODAY)
    assert not PlannedVisit.objects.filter(member=here).exists()
    assert PlannedVisit.objects.filter(member=there).exists()


def writes(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].split(None, 1)[0] in ("INSERT", "UPDATE", "DELETE")]


def planned_rows():
    return list(PlannedVisit.objects.order_by("pk").values())


def test_a_second_run_with_nothing_changed_writes_nothing(branch, leader_group, liaison):
    for age in (60, 81, 90):
        make_member(branch, leader_group, age=age, categories=[CareCategory.ALONE], lunar=age == 90)
    make_member(branch, leader_group, age=75, categories=[CareCategory.HOSPITALISED], since=TODAY - days(1))
    departed = make_member(branch, leader_group, age=88, name="张某")
    plan_visits(today=TODAY)
    Member.objects.filter(pk=departed.pk).update(status=Member.Status.DECEASED, status_changed_on=TODAY)
    assert plan_visits(today=TODAY).cancelled > 0
    before = planned_rows()
    with CaptureQueriesContext(connection) as captured:
        result = plan_visits(today=TODAY)
    assert writes(captured) == []
    assert result == PlanResult()
    assert planned_rows() == before


def test_a_new_member_is_planned_with_one_insert_and_nothing_else_is_rewritten(branch, leader_group):
    for age in (60, 81, 90):
        make_member(branch, leader_group, age=age, categories=[CareCategory.ALONE])
    plan_visits(today=TODAY)
    before = planned_rows()
    newcomer = make_member(branch, leader_group, age=85, name="新成员")
    with CaptureQueriesContext(connection) as captured:
        result = plan_visits(today=TODAY)
    (insert,) = writes(captured)
    assert insert.startswith("INSERT") and '"visits_plannedvisit"' in insert
    assert result.created == PlannedVisit.objects.filter(member=newcomer).count() > 1
    assert planned_rows()[: len(before)] == before


def test_the_planner_creates_planned_visits_with_the_models_columns_in_order():
    # It passes them positionally: a field added to PlannedVisit must be added there too.
    assert PLANNED_VISIT_COLUMNS == tuple(f.attname for f in PlannedVisit._meta.concrete_fields)


def test_planning_runs_a_constant_number_of_queries(branch, leader_group, django_assert_max_num_queries):
    for age in range(60, 65):
        make_member(branch, leader_group, age=age, categories=[CareCategory.FRAIL])
    with django_assert_max_num_queries(16):
        plan_visits(today=TODAY)
    for age in range(65, 100):
        make_member(branch, leader_group, age=age, categories=[CareCategory.FRAIL])
    with django_assert_max_num_queries(16):
        plan_visits(today=TODAY + days(1))


def test_plan_visits_command_plans_the_named_branch(branch, leader_group, capsys):
    member = make_member(branch, leader_group, age=82)
    call_command("plan_visits", "--days", "30", "--branch", str(branch.pk))
    assert PlannedVisit.objects.filter(member=member, kind=Kind.ROUTINE).exists()
    assert "planned" in capsys.readouterr().out


def test_ten_thousand_members_are_planned_in_seconds(branch, leader_group):
    birth = D(1940, 10, 5)
    Member.objects.bulk_create(
        Member(
            branch=branch,
            contact_group=leader_group,
            name=f"成员{i}",
            gender="F",
            birth_date=birth + days(i % 9000),
            lunar_birthday=i % 3 == 0,
        )
        for i in range(10_000)
    )
    started = time.monotonic()
    result = plan_visits(today=TODAY)
    elapsed = time.monotonic() - started
    assert result.created >= 10_000
    assert elapsed < 20, elapsed


def test_hourly_task_plans_every_branch_and_is_on_the_beat_schedule(branch, leader_group, settings):
    from celery.schedules import crontab

    from visits.tasks import plan_visits_task

    member = make_member(branch, leader_group, age=82)
    assert plan_visits_task.apply().get()["created"] >= 1
    assert PlannedVisit.objects.filter(member=member, kind=Kind.ROUTINE).exists()
    entry = settings.CELERY_BEAT_SCHEDULE["visits-plan"]
    assert entry["task"] == plan_visits_task.name == "visits.tasks.plan_visits_task"
    assert entry["schedule"] == crontab(minute=30)  # every hour at :30
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
