"""Study fixtures: a neighbour branch of the same bureau for joint activities, an activity, the page cache."""

import datetime

import pytest

from accounts.models import BranchRole
from tests.factories import BranchFactory, BranchRoleFactory, MemberFactory, UserFactory
from tests.study.factories import StudyActivityFactory


@pytest.fixture
def neighbour(branch):
    """Branch B: same bureau as `branch` (A), so the two can hold joint activities."""
    return BranchFactory(bureau=branch.bureau, name="第18党支部")


@pytest.fixture
def neighbour_secretary(neighbour):
    user = UserFactory(username="secretary18")
    BranchRoleFactory(user=user, branch=neighbour, role=BranchRole.Role.SECRETARY)
    return user


@pytest.fixture
def activity(branch):
    return StudyActivityFactory(
        organiser=branch, date=datetime.date(2026, 12, 8), theme="学习党的二十届四中全会精神"
    )


@pytest.fixture
def joint(branch, neighbour):
    return StudyActivityFactory(
        organiser=branch,
        branches=[neighbour],
        kind="joint",
        theme="红歌曼舞抒衷情",
        date=datetime.date(2026, 12, 15),
    )


@pytest.fixture
def members_of(group):
    def make(branch, count):
        return [MemberFactory(branch=branch) for _ in range(count)]

    return make
