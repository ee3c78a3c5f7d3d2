"""Lunar birthdays: greeted on their lunar date, and listed with their actual date in the year."""

import datetime

import pytest
from borax.calendars.lunardate import LCalendars, LunarDate
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from tests.factories import MemberFactory
from visits.birthdays import age_reached_in, lunar_birthday_greetings_send

pytestmark = pytest.mark.django_db


def greeted_on(member, days) -> list[datetime.date]:
    greeted = []
    for day in days:
        before = Message.objects.filter(member=member).count()
        lunar_birthday_greetings_send(on=day)
        if Message.objects.filter(member=member).count() > before:
            greeted.append(day)
    return greeted


def around(day: datetime.date, spread: int = 3) -> list[datetime.date]:
    return [day + datetime.timedelta(days=n) for n in range(-spread, spread + 1)]


def test_born_in_a_leap_month_is_greeted_in_the_ordinary_month_of_that_number(branch):
    birth = LunarDate(1947, 2, 10, 1).to_solar_date()  # 闰二月初十
    member = MemberFactory(branch=branch, birth_date=birth, lunar_birthday=True)
    expected = LunarDate(2026, 2, 10, 0).to_solar_date()
    assert greeted_on(member, [birth.replace(year=2026), *around(expected)]) == [expected]


def test_born_on_the_thirtieth_is_greeted_on_the_twenty_ninth_of_a_short_month(branch):
    year = next(y for y in range(1940, 1960) if LCalendars.ndays(y, 4, 0) == 30)
    birth = LunarDate(year, 4, 30, 0).to_solar_date()  # 四月三十
    assert LCalendars.ndays(2026, 4, 0) == 29
    member = MemberFactory(branch=branch, birth_date=birth, lunar_birthday=True)
    expected = LunarDate(2026, 4, 29, 0).to_solar_date()
    assert greeted_on(member, around(expected)) == [expected]


def test_born_in_a_leap_month_is_greeted_once_in_a_year_that_has_that_leap_month_too(branch):
    birth = LunarDate(1941, 6, 5, 1).to_solar_date()  # 闰六月初五; lunar 2025 has a 闰六月 as well
    assert LCalendars.leap_month(2025) == 6
    member = MemberFactory(branch=branch, birth_date=birth, lunar_birthday=True)
    ordinary, leap = LunarDate(2025, 6, 5, 0).to_solar_date(), LunarDate(2025, 6, 5, 1).to_solar_date()
    days = [ordinary + datetime.timedelta(days=n) for n in range(-1, (leap - ordinary).days + 2)]
    assert greeted_on(member, days) == [ordinary]


def test_born_on_the_thirtieth_is_greeted_on_the_thirtieth_when_the_month_has_it(branch):
    year = next(y for y in range(1940, 1960) if LCalendars.ndays(y, 1, 0) == 30)
    birth = LunarDate(year, 1, 30, 0).to_solar_date()  # 正月三十
    assert LCalendars.ndays(2026, 1, 0) == 30
    member = MemberFactory(branch=branch, birth_date=birth, lunar_birthday=True)
    expected = LunarDate(2026, 1, 30, 0).to_solar_date()
    assert greeted_on(member, around(expected)) == [expected]


def test_the_greeting_is_sent_once_and_solar_birthdays_are_left_to_notifications(branch):
    birth = datetime.date(1946, 5, 20)
    lunar = MemberFactory(branch=branch, birth_date=birth, lunar_birthday=True)
    MemberFactory(branch=branch, birth_date=birth)
    born = LunarDate.from_solar(birth)
    day = LunarDate(2026, born.month, born.day, 0).to_solar_date()
    assert lunar_birthday_greetings_send(on=day) == 1
    assert lunar_birthday_greetings_send(on=day) == 0
    assert list(Message.objects.values_list("member", flat=True)) == [lunar.pk]


def test_the_collective_list_shows_the_actual_day_this_year_and_next(client, secretary, branch):
    year = timezone.localdate().year
    lunar_birth = LunarDate(year - 85, 8, 15, 0).to_solar_date()
    lunar = MemberFactory(branch=branch, name="农历寿星", birth_date=lunar_birth, lunar_birthday=True)
    solar = MemberFactory(branch=branch, name="公历寿星", birth_date=datetime.date(year - 90, 3, 1))
    later = MemberFactory(branch=branch, name="明年寿星", birth_date=datetime.date(year - 79, 6, 1))
    client.force_login(secretary)
    response = client.get(reverse("visits:schedule"))
    years = dict(response.context["birthday_years"])
    this_year = {b.member: (b.age, b.date, b.lunar) for b in years[year]}
    assert this_year == {
        lunar: (85, LunarDate(year, 8, 15, 0).to_solar_date(), True),
        solar: (90, datetime.date(year, 3, 1), False),
    }
    assert [(b.member, b.age) for b in years[year + 1]] == [(later, 80)]
    page = response.content.decode()
    assert page.count("（农历）") + page.count("(农历)") == 1


def test_the_age_reached_is_counted_on_the_calendar_the_member_keeps():
    # Born 30 December 1945 (lunar 1945-11-27): the lunar 80th birthday falls in January 2026, the year
    # the Gregorian count says 81; the report's "周健 (80)" must agree with the celebration's list.
    lunar = MemberFactory.build(birth_date=datetime.date(1945, 12, 30), lunar_birthday=True)
    solar = MemberFactory.build(birth_date=datetime.date(1945, 12, 30), lunar_birthday=False)
    assert age_reached_in(lunar, 2026) == 80
    assert age_reached_in(solar, 2026) == 81
