"""The collective birthday celebration (集体祝寿), recorded as the event it was: when, where, who came,
and the gifts with their cost (which the dues expenditures and the annual report can take up)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.permissions import authorise, branch_ids, person
from members.models import Member
from org.models import Branch

from .birthdays import COLLECTIVE_BIRTHDAY_AGES, collective_birthdays_in
from .models import BirthdayCelebration, CelebrationGift


def celebrant_labels(*, branch_id: int, years) -> dict[int, SafeString]:
    """Member id → "陈颖 · 2026年3月5日满80岁" for the round birthdays of the given years, by date: the
    form names who turns what when, so that nobody is ticked for the wrong year."""
    members = Member.objects.active().in_branch(branch_id)
    labels = {}
    for year in years:
        for b in collective_birthdays_in(members, year=year, ages=COLLECTIVE_BIRTHDAY_AGES):
            day = date_format(b.date, "DATE_FORMAT") + (_(" (lunar)") if b.lunar else "")
            day = format_html('<span class="text-nowrap">{}</span>', day)  # never "2026年3" / "月5日"
            labels[b.member.pk] = format_html(
                _("{name} · {age} on {date}"), name=b.member.name, age=b.age, date=day
            )
    return labels


def celebrants(*, branch_id: int, year: int) -> list[Member]:
    """The branch's active members turning 80, 85, 90, 95 or 100 in `year`, in birthday order."""
    members = Member.objects.active().in_branch(branch_id)
    return [b.member for b in collective_birthdays_in(members, year=year, ages=COLLECTIVE_BIRTHDAY_AGES)]


@transaction.atomic
def celebration_record(
    *,
    actor,
    branch: Branch,
    date: datetime.date,
    place: str,
    attendees,
    gifts: list[tuple[str, Decimal]],
    notes: str = "",
) -> BirthdayCelebration:
    """Records a celebration; those celebrated must be the branch's members reaching a round age that year."""
    authorise(
        actor,
        "edit_members",
        branch.pk,
        _("Only the committee may record a collective birthday celebration."),
    )
    eligible = {member.pk for member in celebrants(branch_id=branch.pk, year=date.year)}
    strangers = [member.name for member in attendees if member.pk not in eligible]
    if strangers:
        raise ValidationError(
            {
                "attendees": _("%(names)s do not reach 80, 85, 90, 95 or 100 in %(year)s.")
                % {"names": "、".join(strangers), "year": date.year}
            }
        )
    celebration = BirthdayCelebration(
        branch=branch, date=date, place=place.strip(), notes=notes.strip(), recorded_by=person(actor)
    )
    celebration.full_clean(exclude=["branch", "recorded_by"])
    celebration.save()
    celebration.attendees.set(attendees)
    rows = [CelebrationGift(celebration=celebration, item=item.strip(), cost=cost) for item, cost in gifts]
    for row in rows:
        row.full_clean(exclude=["celebration"])
    CelebrationGift.objects.bulk_create(rows)
    return celebration


def celebration_list(*, user, branch):
    """The recorded celebrations of the branch (none outside the user's), newest first, with who came
    and the gifts."""
    return (
        BirthdayCelebration.objects.filter(branch_id__in=branch_ids(user, "edit_members"), branch=branch)
        .prefetch_related("attendees", "gifts")
        .order_by("-date", "-id")
    )
