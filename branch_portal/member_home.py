"""The member's own home page: what a member in their 80s or 90s opens the portal to find out.

Each part is read by the app that owns it (study, notifications, dues, members); this module only
puts them together for `dashboard.for_user`, for whoever reads the portal as a member.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from dues.selectors import PaidThrough, member_paid_through
from members.models import Member
from members.selectors import reader_member
from notifications.selectors import NoticeAsSent, member_notices, notice_as_sent
from study.models import StudyActivity
from study.selectors import next_study_day

LATEST_NOTICES = 3


@dataclass
class MemberHome:
    member: Member
    next_study_day: StudyActivity | None
    days_until: int | None  # days from today to the next study day
    notices: list[NoticeAsSent]
    leader: object | None  # the User who looks after the member's contact group now
    dues: PaidThrough | None


def for_user(user: AbstractBaseUser, today: datetime.date) -> MemberHome | None:
    """The member's home for a user who reads the portal as a member; None for anyone else."""
    member = reader_member(user)
    if member is None:
        return None
    group = member.contact_group
    study = next_study_day(member=member, today=today)
    return MemberHome(
        member=member,
        next_study_day=study,
        days_until=(study.date - today).days if study else None,
        notices=[notice_as_sent(n, member) for n in member_notices(member=member, limit=LATEST_NOTICES)],
        leader=group.responsible if group else None,
        dues=member_paid_through(member=member, upto=today),
    )
