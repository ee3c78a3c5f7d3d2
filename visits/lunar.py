"""Festivals and birthdays by the Chinese calendar (borax), for the three-visit schedule.

Rules the branch agreed on (REFERENCE.md, "Chinese calendar"):

- A lunar birthday is kept in the lunar year, never the Gregorian one: Gregorian 2026
  holds 冬月十五 twice and 2025 not at all, so callers iterate over lunar years.
- Born in a leap month (闰月): celebrated in the ordinary month of the same number.
  A family that prefers the leap month gets it in the years that have that leap month
  (``prefer_leap=True``); the portal's default is the ordinary month.
- Born on day 30 of a month that has only 29 days this year: day 29.
- A Gregorian birthday on 29 February is kept on 28 February in common years.

Festival years: every lunar festival here (正月初一 … 九月初九) falls in the Gregorian
year of the same number, so "2026 重阳" is unambiguous.
"""

import bisect
import datetime
import functools
from dataclasses import dataclass

from borax.calendars.lunardate import LCalendars, LunarDate
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib.calendar import years_before

FIRST_YEAR = 1950
LAST_YEAR = 2100


class Festival(models.TextChoices):
    """Festival rounds a branch may visit for; values are stable keys used in occasions."""

    NEW_YEAR = "new_year", _("New Year's Day (元旦)")
    SPRING = "spring", _("Spring Festival (春节)")
    LANTERN = "lantern", _("Lantern Festival (元宵)")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival (端午)")
    PARTY_DAY = "party_day", _("Party's founding day (七一)")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival (中秋)")
    DOUBLE_NINTH = "double_ninth", _("Double Ninth, the seniors' festival (重阳)")


@dataclass(frozen=True)
class FestivalRule:
    month: int
    day: int
    lunar: bool


FESTIVAL_RULES = {
    Festival.NEW_YEAR: FestivalRule(1, 1, lunar=False),
    Festival.SPRING: FestivalRule(1, 1, lunar=True),
    Festival.LANTERN: FestivalRule(1, 15, lunar=True),
    Festival.DRAGON_BOAT: FestivalRule(5, 5, lunar=True),
    Festival.PARTY_DAY: FestivalRule(7, 1, lunar=False),
    Festival.MID_AUTUMN: FestivalRule(8, 15, lunar=True),
    Festival.DOUBLE_NINTH: FestivalRule(9, 9, lunar=True),
}


# The planner asks for the same few festival dates once per member: remember them.
@functools.lru_cache(maxsize=1024)
def festival_date(festival: str, year: int) -> datetime.date:
    """The Gregorian date of the festival in `year` (1950–2100); ValueError outside that range."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"festival years run from {FIRST_YEAR} to {LAST_YEAR}, not {year}")
    rule = FESTIVAL_RULES[Festival(festival)]
    if not rule.lunar:
        return datetime.date(year, rule.month, rule.day)
    return LunarDate(year, rule.month, rule.day, 0).to_solar_date()


def festivals_between(festivals, start: datetime.date, end: datetime.date):
    """(festival, year, date) for each given festival falling within [start, end], by date."""
    found = []
    for year in range(max(start.year, FIRST_YEAR), min(end.year, LAST_YEAR) + 1):
        for festival in festivals:
            day = festival_date(festival, year)
            if start <= day <= end:
                found.append((Festival(festival), year, day))
    return sorted(found, key=lambda item: item[2])


def lunar_of(day: datetime.date) -> LunarDate:
    return LunarDate.from_solar(day)


def lunar_ymd(day: datetime.date) -> tuple[int, int, int, bool]:
    """(year, month, day, leap) of the lunar date of `day`, as `lunar_of` gives them.

    The planner converts every member's birth date on each run: this finds it among the months
    of the lunar year instead of building a LunarDate, whose 干支 and solar terms are most of
    the cost.
    """
    year = day.year
    months = _lunar_months(year)
    if day < months[0][0]:  # before this Gregorian year's Spring Festival: the lunar year before
        year -= 1
        months = _lunar_months(year)
    first_day, month, leap = months[bisect.bisect_right(months, day, key=lambda m: m[0]) - 1]
    return year, month, (day - first_day).days + 1, leap


@functools.lru_cache(maxsize=256)
def _lunar_months(lunar_year: int) -> tuple[tuple[datetime.date, int, bool], ...]:
    """(first day, month, leap) of each month of the lunar year, from borax's month lengths."""
    first_day = LunarDate(lunar_year, 1, 1).to_solar_date()
    months = []
    for month, days, leap in LCalendars.iter_year_month(lunar_year):
        months.append((first_day, month, bool(leap)))
        first_day += datetime.timedelta(days=days)
    return tuple(months)


def lunar_birthday_in(birth: datetime.date, lunar_year: int, *, prefer_leap: bool = False) -> datetime.date:
    """The Gregorian date on which a lunar birthday falls in `lunar_year` (rules in the module doc)."""
    _year, month, day, leap = lunar_ymd(birth)
    return _lunar_anniversary(month, day, leap, lunar_year, prefer_leap)


# Depends on the lunar month and day only, not on the member: a bureau's members share a few
# hundred of them a year, so each is converted once rather than once per member.
@functools.lru_cache(maxsize=4096)
def _lunar_anniversary(
    month: int, day: int, born_leap: bool, lunar_year: int, prefer_leap: bool
) -> datetime.date:
    leap = 1 if born_leap and prefer_leap and LCalendars.leap_month(lunar_year) == month else 0
    day = min(day, LCalendars.ndays(lunar_year, month, leap))
    return LunarDate(lunar_year, month, day, leap).to_solar_date()


def solar_birthday_in(birth: datetime.date, year: int) -> datetime.date:
    """The birthday in a Gregorian year; 29 February becomes 28 February in common years."""
    return years_before(birth, birth.year - year)


@dataclass(frozen=True)
class Birthday:
    year: int  # the lunar year for lunar birthdays, else the Gregorian year
    age: int  # the age reached, counted in the same kind of years
    date: datetime.date

    @property
    def occasion(self) -> str:
        return f"birthday-{self.year}"


def birthdays_between(
    birth: datetime.date, start: datetime.date, end: datetime.date, *, lunar: bool, prefer_leap: bool = False
) -> list[Birthday]:
    """The member's birthdays with a date in [start, end], iterating over lunar years when `lunar`."""
    if lunar:
        born_year, month, day, leap = lunar_ymd(birth)
        first, last = lunar_ymd(start)[0], lunar_ymd(end)[0]
        dated = [
            (year, _lunar_anniversary(month, day, leap, year, prefer_leap))
            for year in range(max(first, born_year + 1), last + 1)
        ]
    else:
        born_year = birth.year
        years = range(max(start.year, born_year + 1), end.year + 1)
        dated = [(year, solar_birthday_in(birth, year)) for year in years]
    return [Birthday(year, year - born_year, day) for year, day in dated if start <= day <= end]
