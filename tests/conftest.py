"""The cast every test may use: one branch with each role, and a stranger from another bureau."""

import os

import pytest

from accounts.models import BranchRole
from tests.factories import BranchFactory, BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(reason: str):
    """Skip when a server is missing, but fail under REQUIRE_SERVICES=1 (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def branch(db):
    return BranchFactory(name="第16党支部")


@pytest.fixture
def other_branch(db):
    return BranchFactory(name="第99党支部")


def _user_with_role(branch, role, username):
    user = UserFactory(username=username)
    BranchRoleFactory(user=user, branch=branch, role=role)
    return user


@pytest.fixture
def secretary(branch):
    return _user_with_role(branch, BranchRole.Role.SECRETARY, "secretary")


@pytest.fixture
def committee(branch):
    return _user_with_role(branch, BranchRole.Role.COMMITTEE, "committee")


@pytest.fixture
def liaison(branch):
    return _user_with_role(branch, BranchRole.Role.LIAISON, "liaison")


@pytest.fixture
def bureau(branch):
    return _user_with_role(branch, BranchRole.Role.BUREAU, "bureau")


@pytest.fixture
def group(branch, liaison):
    return ContactGroupFactory(branch=branch, number=1, leader=liaison)


@pytest.fixture
def member_user(branch):
    return _user_with_role(branch, BranchRole.Role.MEMBER, "member")


@pytest.fixture
def own_member(branch, member_user, group):
    """The Member row of the `member` user."""
    return MemberFactory(branch=branch, user=member_user, contact_group=group, name="周桂兰")


@pytest.fixture
def stranger(other_branch):
    """The secretary of a branch in another bureau: must never see anything of `branch`."""
    return _user_with_role(other_branch, BranchRole.Role.SECRETARY, "stranger")


@pytest.fixture
def cast(secretary, committee, liaison, bureau, member_user, stranger):
    return {
        "secretary": secretary,
        "committee": committee,
        "liaison": liaison,
        "bureau": bureau,
        "member": member_user,
        "stranger": stranger,
    }
