"""One way to write dates, times, amounts and phone numbers on every page, in each language.

Built into every template (TEMPLATES' `builtins`): `{{ visit.due_on|day }}` gives 12月10日 within
this year and 2027年1月1日 otherwise; `|weekday` 星期四; `|moment` adds the time (上午9:00); `|clock`
the time alone; `|month` 2026年12月; `|months` a run of them, 2026年3月–2026年5月; `|yuan` 15,959.60;
`|phone` 139 6458 1758; `|unbroken` keeps any of them on one line. The formats themselves are in
branch_portal/formats/<language>/formats.py.

A ledger or a schedule writes the same few dates and amounts hundreds of times a page, and Django's
formatting parses the format anew each time: each date and amount is formatted once per language
and process (`_written`), which took these filters from a quarter of the dues ledger's time to a
few per cent.
"""

import datetime
import functools
from decimal import Decimal, InvalidOperation

import phonenumbers
from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _written(language: str, value, format_name: str) -> str:
    """A date in one of the date formats, a time of day in TIME_FORMAT, or an amount in yuan ("yuan"),
    as `language` writes it (the active language: it is part of the key only)."""
    if format_name == "yuan":
        return format_html(
            '<span class="text-nowrap">{}</span>', number_format(value, 2, force_grouping=True)
        )
    return date_format(value, format_name)


def _date(value) -> datetime.date:
    """The day of a date or of an aware time in the portal's time zone (the formats show no time)."""
    return _local(value).date() if isinstance(value, datetime.datetime) else value


def _local(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


@register.filter
def day(value) -> str:
    """The date, without its year when it falls in this year."""
    return _day(get_language(), _date(value)) if value else ""


@register.filter
def weekday(value) -> str:
    """The day of the week: 星期四, Thursday (Django's `date:"l"`, written once per day and language)."""
    return _written(get_language(), _date(value), "l") if value else ""


@register.filter
def moment(value) -> str:
    """A date and time: 12月10日 上午9:00."""
    if not value:
        return ""
    # One time-zone conversion and one language look-up for both halves: each reads a context-local,
    # and a list of fifty steps paid for four of them a step.
    value = _local(value)
    language = get_language()
    return f"{_day(language, value.date())} {_clock(language, value)}"


@register.filter
def clock(value) -> str:
    """The time of day alone: 上午9:00."""
    return _clock(get_language(), _local(value)) if value else ""


def _day(language: str, value: datetime.date) -> str:
    this_year = value.year == timezone.localdate().year
    return _written(language, value, "MONTH_DAY_FORMAT" if this_year else "DATE_FORMAT")


def _clock(language: str, value) -> str:
    if isinstance(value, datetime.datetime):
        # The formats show the minute, no seconds and no time zone: at most 1,440 times of day to write.
        value = value.time().replace(second=0, microsecond=0)
    return _written(language, value, "TIME_FORMAT")


@register.filter
def month(value) -> str:
    """A month: 2026年12月."""
    if not value:
        return ""
    return _written(get_language(), _date(value), "YEAR_MONTH_FORMAT")


@register.filter
def months(first, last) -> str:
    """A run of months, `{{ first|months:last }}`: 2026年3月–2026年5月, or 2026年3月 when it is one."""
    if not first:
        return ""
    language = get_language()
    written = _written(language, _date(first), "YEAR_MONTH_FORMAT")
    if not last or last == first:
        return written
    return f"{written}–{_written(language, _date(last), 'YEAR_MONTH_FORMAT')}"


@register.filter
def yuan(value) -> str:
    """An amount in yuan with thousands separators and two decimals, never broken across lines."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return _written(get_language(), amount, "yuan") if amount.is_finite() else ""


@register.filter
def unbroken(value) -> str:
    """Kept on one line: a line break inside 12月8日 or 上午9:30 ("12" here, "月8日" below) trips a reader."""
    if value in (None, ""):
        return ""
    return format_html('<span class="text-nowrap">{}</span>', value)


@register.filter
def tel(value) -> str:
    """A phone number as a link that dials it, written as `phone` writes it; nothing when empty.

    A list of fifty members would otherwise validate and format each PhoneNumber twice a row (the text
    and the link): the link is made once per number and process, from the number as stored."""
    text = value if value is None or isinstance(value, str) else value.raw_input or str(value)
    return _tel_link(text) if text else ""


@functools.lru_cache(maxsize=4096)
def _tel_link(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return text
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    shown = phone(number) if phonenumbers.is_valid_number(number) else text
    return format_html('<a href="tel:{}">{}</a>', e164, shown)


@register.filter
def phone(value) -> str:
    """A phone number as people write it in China: 139 6458 1758, 010 6512 3456; else as entered."""
    if not value:
        return ""
    try:
        number = (
            value if isinstance(value, phonenumbers.PhoneNumber) else phonenumbers.parse(str(value), "CN")
        )
    except phonenumbers.NumberParseException:
        return str(value)
    if not phonenumbers.is_valid_number(number):
        return str(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# Punctuation by language: full-width in Chinese (组长：赵敏, （书记）), half-width in English
# (Leader: Zhao Min, (secretary)). Labels written in templates take theirs from these.
@register.simple_tag
def colon() -> str:
    """After a label: "：" in Chinese, ": " in English."""
    return pgettext("punctuation after a label", ": ")


@register.simple_tag
def semicolon() -> str:
    """Between the items of a list that carry commas: "；" in Chinese, "; " in English."""
    return pgettext("punctuation between list items", "; ")


@register.filter
def paren(value) -> str:
    """An aside in brackets: "（书记）" in Chinese, " (secretary)" in English; nothing when empty."""
    if value in (None, ""):
        return ""
    return format_html(pgettext("an aside in brackets", " ({})"), value)
