import datetime

import pytest

from lib import figures
from members.models import CarePeriod, ContactGroup, Member
from org.models import Branch
from visits.selectors import dashboard_counts, dashboard_tiles

TODAY = datetime.date(2026, 9, 1)


@pytest.fixture
def today():
    return TODAY


def make_member(
    branch, group, *, age, today=TODAY, categories=(), since=None, lunar=False, status="active", **extra
):
    """A member inserted directly (no service): planner tests build many, quickly."""
    birth = datetime.date(today.year - age, 1 + (extra.pop("month", 3) - 1), extra.pop("day", 15))
    member = Member.objects.create(
        branch=branch,
        contact_group=group,
        name=extra.pop("name", f"成员{age}"),
        gender="M",
        birth_date=birth,
        lunar_birthday=lunar,
        status=status,
        status_changed_on=None if status == "active" else today,
        **extra,
    )
    for category in categories:
        CarePeriod.objects.create(
            member=member, category=category, started_on=since or today - datetime.timedelta(300)
        )
    return member


@pytest.fixture
def leader_group(branch, liaison):
    return ContactGroup.objects.create(branch=branch, number=1, name="第一联络小组", leader=liaison)


@pytest.fixture
def visit_tiles(db):
    """The dashboard's visits and concerns tiles for a user, counted as the dashboard does: in one query."""

    def tiles(user, today: datetime.date) -> list[dict]:
        columns = {name: figures.Count(counted) for name, counted in dashboard_counts(user, today).items()}
        return dashboard_tiles(Branch.objects.values(**columns)[:1].get())

    return tiles
