"""Birthdays kept by the lunar calendar: the greeting on the day, and the collective-birthday list.

notifications greets solar birthdays; it does not know the lunar calendar (visits.lunar), so the
lunar ones are greeted here, with the same text and switch.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from members.models import Member
from notifications.services import birthday_greeting_text, notify
from org.models import Branch

from .lunar import birthdays_between, lunar_ymd

# The round birthdays the branch celebrates together (集体祝寿).
COLLECTIVE_BIRTHDAY_AGES = (80, 85, 90, 95, 100)


def lunar_birthday_greetings_send(*, on: datetime.date) -> int:
    """Greets every active member whose lunar birthday falls on `on` (leap months and 三十 as
    visits.lunar resolves them), once per member and lunar year; returns the messages queued."""
    celebrating: dict[int, list[Member]] = {}
    occasion_year = lunar_ymd(on)[0]
    for member in Member.objects.active().filter(lunar_birthday=True).order_by("branch_id", "id"):
        if birthdays_between(member.birth_date, on, on, lunar=True):
            celebrating.setdefault(member.branch_id, []).append(member)
    branches = Branch.objects.in_bulk(list(celebrating))
    text = birthday_greeting_text()
    queued = 0
    for branch_id, members in celebrating.items():
        result = notify(
            branch=branches[branch_id],
            # The lunar year: Gregorian 2026 holds 冬月十五 twice, and each is its own birthday.
            occasion=f"birthday:lunar-{occasion_year}",
            text=text,
            recipients=members,
            reminder="birthday_greeting",
        )
        queued += result.queued
    return queued


@dataclass(frozen=True)
class CollectiveBirthday:
    """A member reaching one of the celebrated ages in a year, and the day they do."""

    age: int
    date: datetime.date
    lunar: bool
    member: Member


def age_reached_in(member: Member, year: int) -> int:
    """The age the member reaches on their birthday in Gregorian `year`, on the lunar calendar where they
    keep it (a lunar birth born late in its year may turn 80 in January, the year their Gregorian age
    says 81); of a lunar birthday falling twice in the year, the round age."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ages = [b.age for b in birthdays_between(member.birth_date, start, end, lunar=member.lunar_birthday)]
    return next(
        (age for age in ages if age in COLLECTIVE_BIRTHDAY_AGES),
        max(ages, default=year - member.birth_date.year),
    )


def collective_birthdays_in(members, *, year: int, ages) -> list[CollectiveBirthday]:
    """The members (a queryset) whose birthday in Gregorian `year` brings one of `ages`, each with the
    actual day: the lunar date in that year for those who keep a lunar birthday."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # A lunar birthday early in the Gregorian year belongs to the lunar year before: a year's margin.
    born = Q()
    for age in ages:
        born |= Q(birth_date__year__in=[year - age, year - age - 1])
    found = []
    for member in members.filter(born):
        for birthday in birthdays_between(member.birth_date, start, end, lunar=member.lunar_birthday):
            if birthday.age in ages:
                found.append(CollectiveBirthday(birthday.age, birthday.date, member.lunar_birthday, member))
    return sorted(found, key=lambda b: (b.date, b.member.name_pinyin, b.member.pk))
