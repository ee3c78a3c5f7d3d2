import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dues import services
from members.models import CareCategory
from study.models import Attendance, StudyActivity
from tests.dues.factories import pay
from tests.factories import MemberFactory
from tests.study.factories import AttendanceFactory, StudyActivityFactory
from visits.models import Visit


def _branch_with(branch, group, secretary, count: int, today: datetime.date):
    month = today.replace(day=1)
    activity = StudyActivityFactory(
        organiser=branch, branches=[branch], date=today, kind=StudyActivity.Kind.MONTHLY, theme="本月学习"
    )
    for i in range(count):
        member = MemberFactory(
            branch=branch, contact_group=group, birth_date=datetime.date(today.year - 60 - 3 * i, 1, 1)
        )
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=month, monthly_pension=Decimal("4000")
        )
        if i % 2:
            pay(secretary, member, month, month, today)
        status = Attendance.Status.PRESENT if i % 3 else Attendance.Status.ABSENT
        AttendanceFactory(activity=activity, member=member, status=status)
        Visit.objects.create(member=member, date=today, kind="routine", recorded_by=secretary)


@pytest.mark.parametrize("count", [5, 20])  # born 60 + 3i years ago: 20 stays after 1900
def test_dashboard_shows_dues_figures_and_charts_in_constant_queries(
    client, secretary, branch, group, count, django_assert_max_num_queries
):
    today = timezone.localdate()
    _branch_with(branch, group, secretary, count, today)
    client.force_login(secretary)
    client.get(reverse("home"))  # the first request after logging in writes the session
    # The session, the user, the roles; every tile's figure (visits and concerns included) with whether
    # the user reads as a member; three charts; the visits panels (visits.selectors.home_panels); the
    # meetings' part (study.selectors.home_meetings): the year's tile and the resolutions due.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("home"))
    tiles = {t["label"]: t["value"] for t in response.context["tiles"]}
    collected = [v for label, v in tiles.items() if label.startswith("Dues collected") or "党费" in label]
    assert Decimal("20.00") * (count // 2) in collected
    assert count - count // 2 in tiles.values()  # members owing this month
    charts = {c["id"]: c for c in response.context["charts"]}
    attendance = charts["glance-attendance"]
    present = sum(1 for i in range(count) if i % 3)
    assert attendance["spec"]["datasets"][0]["data"] == [round(100 * present / count)]
    age_care = charts["glance-age-care"]
    elderly = [row for row in age_care["rows"] if row[0] == str(CareCategory.ELDERLY.label)][0]
    assert sum(elderly[1:]) == sum(1 for i in range(count) if 60 + 3 * i >= 80)
    routine = [d for d in charts["glance-visits"]["spec"]["datasets"] if d["data"][-1]]
    assert [d["data"][-1] for d in routine] == [count]
    assert 'data-chart="glance-attendance-data"' in response.content.decode()


def test_member_sees_no_charts_or_dues_tiles(client, member_user, own_member):
    client.force_login(member_user)
    response = client.get(reverse("home"))
    assert response.context["charts"] == []
    assert not any("glance" in str(t["url"]) or "dues" in str(t["url"]) for t in response.context["tiles"])


@pytest.mark.parametrize("count", [5, 20])  # born 60 + 3i years ago: 20 stays after 1900
def test_every_role_gets_the_dashboard_in_at_most_ten_queries(
    client, cast, branch, group, own_member, count, django_assert_max_num_queries
):
    secretary = cast["secretary"]
    _branch_with(branch, group, secretary, count, timezone.localdate())
    for role, user in cast.items():
        client.force_login(user)
        client.get(reverse("home"))  # the first request after logging in writes the session
        # As above for carers; a member or proxy: their row, next study day, notices, rate, payments.
        with django_assert_max_num_queries(10):
            response = client.get(reverse("home"))
        assert response.status_code == 200, role


@pytest.mark.parametrize("role", ["secretary", "liaison", "bureau"])
def test_member_tiles_count_as_the_member_querysets_whoever_reads_them(client, cast, branch, role):
    # The tiles follow aged_at_least and in_care_category (ended and future care periods, two
    # categories, 80 today, a deceased member) for every role.
    from accounts.permissions import branch_ids
    from members.models import CarePeriod, Member

    today = timezone.localdate()
    eighty_today = today.replace(year=today.year - 80) if (today.month, today.day) != (2, 29) else None
    births = [datetime.date(1950, 5, 1), datetime.date(1930, 1, 1), eighty_today or datetime.date(1940, 1, 1)]
    members = [MemberFactory(branch=branch, birth_date=birth) for birth in births for _ in range(2)]
    day = datetime.timedelta(days=1)
    CarePeriod.objects.create(member=members[0], category=CareCategory.FRAIL, started_on=today - day)
    CarePeriod.objects.create(member=members[0], category=CareCategory.ALONE, started_on=today - day)
    CarePeriod.objects.create(
        member=members[1], category=CareCategory.FRAIL, started_on=today - 9 * day, ended_on=today
    )
    CarePeriod.objects.create(member=members[2], category=CareCategory.ALONE, started_on=today + day)
    Member.objects.filter(pk=members[3].pk).update(status=Member.Status.DECEASED, status_changed_on=today)
    user = cast[role]
    client.force_login(user)

    tiles = {t["url"]: t["value"] for t in client.get(reverse("home")).context["tiles"]}

    roster = Member.objects.in_branches(branch_ids(user, "view_roster")).active()
    url = reverse("members:list")
    assert tiles[url] == roster.count()
    assert tiles[url + "?care=elderly"] == roster.aged_at_least(80, on=today).count()
    assert tiles[url + "?care=any"] == roster.in_care_category(*CareCategory.values, on=today).count()
