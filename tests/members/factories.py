"""Helpers for the members tests: many members quickly, for query-count tests."""

import datetime

from members.models import CarePeriod, Member
from members.services import name_pinyin


def bulk_members(branch, count: int, groups=(), start: int = 0) -> list[Member]:
    """`count` active members in `branch`, spread over `groups`, a third of them in a care category."""
    members = []
    for i in range(start, start + count):
        name = f"成员{i:04d}"
        pinyin, initials = name_pinyin(name)
        members.append(
            Member(
                branch=branch,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                gender=Member.Gender.FEMALE,
                birth_date=datetime.date(1935 + i % 30, 1 + i % 12, 1 + i % 28),
                phone=f"+86139{i:08d}",
                district="海淀区",
                contact_group=groups[i % len(groups)] if groups else None,
            )
        )
    members = Member.objects.bulk_create(members)
    CarePeriod.objects.bulk_create(
        CarePeriod(member=m, category="alone", started_on=datetime.date(2024, 1, 1)) for m in members[::3]
    )
    return members


def member_form_data(branch, name: str, group=None) -> dict:
    """What the create page posts for an active member of `branch`."""
    return {
        "branch": branch.pk,
        "name": name,
        "gender": "F",
        "birth_date": "1941-05-20",
        "status": "active",
        "phone": "13912345678",
        "living_situation": "alone",
        "condition": "good",
        "mobility": "independent",
        "contact_group": group.pk if group else "",
    }
