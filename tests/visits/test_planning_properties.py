"""Property test of the planner: for any roster and policy, the schedule's invariants hold."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from members.models import CareCategory, CarePeriod, ContactGroup, Member
from visits.lunar import Festival
from visits.models import PlannedVisit, Visit, VisitPolicy
from visits.planning import HOSPITAL_LOOKBACK_DAYS, plan_visits

pytestmark = pytest.mark.django_db
STORED = [c for c in CareCategory.values if c != CareCategory.ELDERLY]

groups = st.lists(
    st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=3
)  # (has deputy, leader away)
members = st.lists(
    st.fixed_dictionaries(
        {
            "age": st.integers(55, 101),
            "birth_offset": st.integers(0, 365),
            "group": st.integers(0, 3),  # 3 (or more than there are groups) means no group
            "categories": st.sets(st.sampled_from(STORED), max_size=3),
            "since": st.integers(0, 400),
            "lunar": st.booleans(),
            "visited": st.one_of(st.none(), st.integers(0, 200)),
            "status": st.sampled_from(["active", "active", "active", "deceased", "transferred"]),
        }
    ),
    min_size=1,
    max_size=12,
)
policies = st.fixed_dictionaries(
    {
        "critical_days": st.integers(1, 10),
        "other_days": st.integers(20, 120),
        "empty_nest_days": st.integers(1, 90),
        "festivals": st.lists(st.sampled_from(Festival.values), unique=True),
        "festival_categories": st.lists(st.sampled_from(CareCategory.values), unique=True),
        "festival_window_days": st.integers(0, 20),
        "birthday_from_age": st.integers(60, 100),
        "milestone_ages": st.lists(st.integers(60, 100), unique=True, max_size=5),
        "birthday_window_days": st.integers(0, 14),
        "hospital_visit_days": st.integers(1, 3),
    }
)


def build(branch, group_specs, member_specs, policy, today):
    leaders = []
    for number, (has_deputy, away) in enumerate(group_specs, start=1):
        leader = User.objects.create(username=f"leader{number}")
        deputy = User.objects.create(username=f"deputy{number}") if has_deputy else None
        leaders.append(
            ContactGroup.objects.create(
                branch=branch,
                number=number,
                name=f"{number}组",
                leader=leader,
                deputy=deputy,
                leader_away=away,
            )
        )
    VisitPolicy.objects.create(branch=branch, **policy)
    for index, spec in enumerate(member_specs):
        birth = datetime.date(today.year - spec["age"], 1, 1) + datetime.timedelta(days=spec["birth_offset"])
        member = Member.objects.create(
            branch=branch,
            name=f"成员{index}",
            gender="F",
            birth_date=birth,
            lunar_birthday=spec["lunar"],
            contact_group=leaders[spec["group"]] if spec["group"] < len(leaders) else None,
            status=spec["status"],
            status_changed_on=None if spec["status"] == "active" else today,
        )
        for category in spec["categories"]:
            CarePeriod.objects.create(
                member=member, category=category, started_on=today - datetime.timedelta(days=spec["since"])
            )
        if spec["visited"] is not None:
            Visit.objects.create(
                member=member, date=today - datetime.timedelta(days=spec["visited"]), kind="routine"
            )


def check_invariants(branch, today, horizon_days, existed):
    """`existed`: ids of planned visits from earlier runs, whose windows were checked on their day."""
    horizon = today + datetime.timedelta(days=horizon_days)
    for member in Member.objects.filter(branch=branch).select_related("contact_group"):
        open_visits = list(PlannedVisit.objects.open().filter(member=member))
        if member.status != Member.Status.ACTIVE:
            assert open_visits == []
            continue
        assert sum(v.kind == PlannedVisit.Kind.ROUTINE for v in open_visits) == 1
        group = member.contact_group
        for visit in open_visits:
            assert visit.due_from <= visit.due_by
            assert visit.responsible_id == (group.responsible.pk if group else None)
            if visit.kind != PlannedVisit.Kind.ROUTINE and visit.pk not in existed:
                assert visit.due_from <= visit.occasion_date <= visit.due_by
                assert visit.due_from <= horizon
                assert visit.due_by >= today - datetime.timedelta(days=HOSPITAL_LOOKBACK_DAYS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    groups,
    members,
    policies,
    st.integers(1, 90),
    st.dates(datetime.date(2020, 1, 1), datetime.date(2060, 1, 1)),
)
def test_planner_keeps_its_invariants_for_any_roster_and_policy(
    branch, group_specs, member_specs, policy, days, today
):
    with transaction.atomic():
        build(branch, group_specs, member_specs, policy, today)
        plan_visits(today=today, days=days)
        check_invariants(branch, today, days, existed=set())
        with CaptureQueriesContext(connection) as again:
            assert plan_visits(today=today, days=days).created == 0
        assert not [q for q in again if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
        existed = set(PlannedVisit.objects.values_list("pk", flat=True))
        later = today + datetime.timedelta(days=days // 2)
        plan_visits(today=later, days=days)
        check_invariants(branch, later, days, existed)
        transaction.set_rollback(True)
