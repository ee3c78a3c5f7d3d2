"""The cast every test may use: one branch with each role, and a stranger from another bureau."""

import os
import sys

import pytest
from django.db import transaction

from accounts.models import BranchRole
from tests import surface
from tests.factories import BranchFactory, BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The stub SMS, voice and WeCom providers (aliyun, tencent, voice, wecom) for any test that sends.
pytest_plugins = ["tests.notifications.providers"]


def pytest_configure(config):
    """Partials rendered on their own (an htmx swap) report their context to
    the test client, as Django's test environment makes whole templates do."""
    from django.test.signals import template_rendered
    from template_partials.templatetags.partials import TemplateProxy

    render = TemplateProxy._render

    def instrumented_render(self, context):
        template_rendered.send(sender=self, template=self, context=context)
        return render(self, context)

    TemplateProxy._render = instrumented_render


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


@pytest.fixture(scope="module")
def surface_world(django_db_setup, django_db_blocker):
    """tests/surface.py's two branches, built once per module in a transaction rolled back after it.

    Each test still runs in its own savepoint (the `db` fixture), so what it writes is undone; the
    hundreds of URL × role probes then cost a request each instead of a new cast each.
    """
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            built = surface.world_build()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
