import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Lunar, LunarMonth, Solar

from visits.lunar import (
    Festival,
    birthdays_between,
    festival_date,
    festivals_between,
    lunar_birthday_in,
    lunar_of,
    lunar_ymd,
    solar_birthday_in,
)

D = datetime.date


def solar(lunar: Lunar) -> datetime.date:
    """lunar-python's Gregorian date of a lunar date, as a datetime.date."""
    day = lunar.getSolar()
    return D(day.getYear(), day.getMonth(), day.getDay())


KNOWN = [
    (Festival.SPRING, D(2024, 2, 10)),
    (Festival.SPRING, D(2025, 1, 29)),
    (Festival.SPRING, D(2026, 2, 17)),
    (Festival.SPRING, D(2027, 2, 6)),
    (Festival.LANTERN, D(2026, 3, 3)),
    (Festival.DRAGON_BOAT, D(2025, 5, 31)),
    (Festival.DRAGON_BOAT, D(2026, 6, 19)),
    (Festival.MID_AUTUMN, D(2025, 10, 6)),
    (Festival.MID_AUTUMN, D(2026, 9, 25)),
    (Festival.DOUBLE_NINTH, D(2025, 10, 29)),
    (Festival.DOUBLE_NINTH, D(2026, 10, 18)),
    (Festival.NEW_YEAR, D(2026, 1, 1)),
    (Festival.PARTY_DAY, D(2026, 7, 1)),
]


@pytest.mark.parametrize(("festival", "expected"), KNOWN, ids=lambda v: str(v))
def test_festival_matches_published_date(festival, expected):
    assert festival_date(festival, expected.year) == expected


LUNAR_FESTIVALS = [f for f in Festival if f not in (Festival.NEW_YEAR, Festival.PARTY_DAY)]


@pytest.mark.parametrize("year", [1950, 1954, 1978, 2000, 2033, 2057, 2099, 2100])
@pytest.mark.parametrize("festival", LUNAR_FESTIVALS)
def test_lunar_festivals_agree_with_lunar_python_across_the_range(festival, year):
    rule = {
        "spring": (1, 1),
        "lantern": (1, 15),
        "dragon_boat": (5, 5),
        "mid_autumn": (8, 15),
        "double_ninth": (9, 9),
    }[festival]
    solar = Lunar.fromYmd(year, *rule).getSolar()
    assert festival_date(festival, year) == D(solar.getYear(), solar.getMonth(), solar.getDay())


def test_festival_years_outside_1950_to_2100_are_refused():
    with pytest.raises(ValueError):
        festival_date(Festival.SPRING, 1949)
    with pytest.raises(ValueError):
        festival_date(Festival.SPRING, 2101)


def test_festivals_between_lists_only_the_window_in_date_order():
    found = festivals_between([Festival.DOUBLE_NINTH, Festival.MID_AUTUMN], D(2025, 9, 1), D(2026, 9, 30))
    assert [(f.value, y, d) for f, y, d in found] == [
        ("mid_autumn", 2025, D(2025, 10, 6)),
        ("double_ninth", 2025, D(2025, 10, 29)),
        ("mid_autumn", 2026, D(2026, 9, 25)),
    ]


def test_leap_month_birthday_is_kept_in_the_ordinary_month_by_default():
    birth = Lunar.fromYmd(2025, -6, 10).getSolar()  # 闰六月初十 2025
    born = D(birth.getYear(), birth.getMonth(), birth.getDay())
    assert lunar_of(born).leap
    expected = Lunar.fromYmd(2026, 6, 10).getSolar()
    assert lunar_birthday_in(born, 2026) == D(expected.getYear(), expected.getMonth(), expected.getDay())


def test_leap_month_birthday_can_prefer_the_leap_month_when_the_year_has_it():
    # 2023 has a leap 2nd month (REFERENCE.md).
    birth = Lunar.fromYmd(2023, -2, 5).getSolar()
    born = D(birth.getYear(), birth.getMonth(), birth.getDay())
    ordinary = Lunar.fromYmd(2023, 2, 5).getSolar()
    assert lunar_birthday_in(born, 2023, prefer_leap=True) == born
    assert lunar_birthday_in(born, 2023) == D(ordinary.getYear(), ordinary.getMonth(), ordinary.getDay())
    # 2024 has no leap 2nd month: the preference falls back to the ordinary month.
    plain = solar(Lunar.fromYmd(2024, 2, 5))
    assert lunar_birthday_in(born, 2024, prefer_leap=True) == plain


def test_day_30_birthday_falls_on_day_29_in_a_short_month():
    born = Lunar.fromYmd(1954, 1, 30).getSolar()  # 正月三十 1954 exists
    birth = D(born.getYear(), born.getMonth(), born.getDay())
    assert lunar_of(birth).day == 30
    short_year = next(y for y in range(2025, 2040) if LunarMonth.fromYm(y, 1).getDayCount() == 29)
    assert lunar_birthday_in(birth, short_year) == solar(Lunar.fromYmd(short_year, 1, 29))


def test_29_february_birthday_is_28_february_in_common_years():
    assert solar_birthday_in(D(1944, 2, 29), 2026) == D(2026, 2, 28)
    assert solar_birthday_in(D(1944, 2, 29), 2028) == D(2028, 2, 29)


def test_lunar_birthdays_iterate_over_lunar_years_not_gregorian_ones():
    # 冬月十五: twice in Gregorian 2026, never in 2025 (REFERENCE.md).
    born = Lunar.fromYmd(1950, 11, 15).getSolar()
    birth = D(born.getYear(), born.getMonth(), born.getDay())
    in_2026 = birthdays_between(birth, D(2026, 1, 1), D(2026, 12, 31), lunar=True)
    assert [b.date for b in in_2026] == [D(2026, 1, 3), D(2026, 12, 23)]
    assert [b.occasion for b in in_2026] == ["birthday-2025", "birthday-2026"]
    assert [b.age for b in in_2026] == [75, 76]
    assert birthdays_between(birth, D(2025, 1, 1), D(2025, 12, 31), lunar=True) == []


def test_solar_birthdays_give_the_age_reached():
    found = birthdays_between(D(1946, 10, 20), D(2026, 10, 1), D(2026, 10, 31), lunar=False)
    assert [(b.date, b.age, b.occasion) for b in found] == [(D(2026, 10, 20), 80, "birthday-2026")]


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=D(1930, 1, 1), max_value=D(2000, 12, 31)), st.integers(2001, 2099))
def test_lunar_birthday_round_trips_to_the_same_lunar_month_and_day(birth, year):
    born = lunar_of(birth)
    day = lunar_of(lunar_birthday_in(birth, year))
    assert (day.year, day.month, day.leap) == (year, born.month, 0)
    assert day.day == born.day or (born.day == 30 and day.day == 29)
    lunar_python = Solar.fromYmd(birth.year, birth.month, birth.day).getLunar()
    assert (abs(lunar_python.getMonth()), lunar_python.getDay()) == (born.month, born.day)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=D(1930, 1, 1), max_value=D(1990, 12, 31)), st.dates(D(2000, 1, 1), D(2090, 1, 1)))
def test_exactly_one_lunar_birthday_in_each_lunar_year_span(birth, start):
    # A lunar year lasts 353 to 385 days: any 387-day window holds one birthday, or two from
    # consecutive lunar years, never two from the same year.
    found = birthdays_between(birth, start, start + datetime.timedelta(days=386), lunar=True)
    assert 1 <= len(found) <= 2
    assert len({b.year for b in found}) == len(found)


def test_lunar_ymd_is_borax_conversion_on_every_day_it_covers():
    day, last = D(1900, 1, 31), D(2100, 12, 31)
    while day <= last:
        lunar = lunar_of(day)
        assert lunar_ymd(day) == (lunar.year, lunar.month, lunar.day, bool(lunar.leap)), day
        day += datetime.timedelta(days=1)
