"""China's public holidays for placing study days and meetings (chinesecalendar, `import chinese_calendar`).

The package carries the State Council's schedule (holidays and make-up working days, 调休) for the
years it knows, which it learns each November for the coming year. For a year it does not know yet
the portal estimates: the statutory holidays' usual blocks (元旦 1 January, 春节 除夕 to 正月初七,
清明 4–6 April, 劳动节 1–5 May, 端午 and 中秋 by the lunar calendar, 国庆 1–7 October), with no
make-up working days. Upgrading the package replaces the estimate for study days generated later.
"""

import datetime
import functools

import chinese_calendar
from borax.calendars.lunardate import LunarDate


def is_holiday(day: datetime.date) -> bool:
    """True on a public holiday (not on an ordinary weekend)."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no data for
        return day in estimated_holidays(day.year)
    return on_holiday and name is not None


def is_known_year(year: int) -> bool:
    """Whether the package has the official schedule for the year (else holidays are estimated)."""
    try:
        chinese_calendar.get_holiday_detail(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _block(first: datetime.date, days: int) -> set[datetime.date]:
    return {first + datetime.timedelta(days=n) for n in range(days)}


@functools.cache
def estimated_holidays(year: int) -> frozenset[datetime.date]:
    """The statutory holidays' usual blocks in a year the package does not know yet."""
    d = datetime.date
    spring = LunarDate(year, 1, 1).to_solar_date()
    days = {d(year, 1, 1)}
    days |= _block(spring - datetime.timedelta(days=1), 8)  # 除夕 … 正月初七
    days |= _block(d(year, 4, 4), 3) | _block(d(year, 5, 1), 5) | _block(d(year, 10, 1), 7)
    days.add(LunarDate(year, 5, 5).to_solar_date())
    days.add(LunarDate(year, 8, 15).to_solar_date())
    return frozenset(days)


def off_holiday(day: datetime.date) -> datetime.date:
    """The day itself, or the nearest day of the same month off the holidays, keeping its weekday
    where it can (a week later, then a week earlier), else the next weekday off the holidays."""
    if not is_holiday(day):
        return day
    for weeks in (1, 2, -1, -2, 3, -3):
        candidate = day + datetime.timedelta(weeks=weeks)
        if candidate.month == day.month and not is_holiday(candidate):
            return candidate
    candidate = day
    while is_holiday(candidate) or candidate.weekday() >= 5:
        candidate += datetime.timedelta(days=1)
    return candidate
