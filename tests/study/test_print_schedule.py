"""Print my schedule: the year's monthly study days of the member's branch, on one page."""

import datetime

import pytest
from django.urls import reverse

from study import selectors
from study.models import StudyActivity
from tests.study.factories import StudyActivityFactory

pytestmark = pytest.mark.django_db


def day(branch, month: int, year: int = 2026, **kwargs):
    return StudyActivityFactory(organiser=branch, date=datetime.date(year, month, 10), **kwargs)


def test_the_schedule_lists_the_years_study_days_of_the_members_branch_in_order(
    client, member_user, own_member, branch, other_branch
):
    days = [day(branch, m, theme=f"{m}月主题") for m in (3, 1, 2)]
    day(branch, 4, kind=StudyActivity.Kind.LECTURE, theme="讲座")
    day(other_branch, 5, theme="别的支部")
    day(branch, 1, year=2025, theme="去年")
    client.force_login(member_user)

    response = client.get(reverse("study:print_year"))

    assert response.context["days"] == sorted(days, key=lambda d: d.date)
    page = response.content.decode()
    assert "1月10日" in page and "1月主题" in page and "周桂兰 · 第16党支部" in page
    assert "讲座" not in page and "别的支部" not in page and "去年" not in page
    assert "data-print" in page  # the print button (static/js/portal.js)


def test_a_place_shared_by_every_day_is_said_once(client, member_user, own_member, branch):
    for m in (1, 2):
        day(branch, m, place="老干部活动中心")
    client.force_login(member_user)
    response = client.get(reverse("study:print_year"))
    assert response.context["common_place"] == "老干部活动中心"
    assert response.content.decode().count("老干部活动中心") == 1


def test_once_this_years_days_are_over_next_years_are_printed(member_user, branch):
    day(branch, 1)
    next_year = [day(branch, 1, year=2027), day(branch, 2, year=2027)]
    year, days = selectors.printed_schedule(user=member_user, today=datetime.date(2026, 12, 20))
    assert (year, days) == (2027, next_year)
    year, days = selectors.printed_schedule(user=member_user, today=datetime.date(2026, 1, 5))
    assert year == 2026 and len(days) == 1


def test_before_next_year_is_planned_this_years_schedule_stays(member_user, branch):
    this_year = day(branch, 1)
    today = datetime.date(2026, 12, 20)
    assert selectors.printed_schedule(user=member_user, today=today) == (2026, [this_year])
