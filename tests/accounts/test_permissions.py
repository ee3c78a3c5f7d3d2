import pytest

from accounts.models import BranchRole
from accounts.permissions import branch_ids, has_capability
from tests.factories import BranchFactory, BranchRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bureau_role_reads_every_branch_of_its_bureau_only(branch, bureau, stranger, other_branch):
    sibling = BranchFactory(bureau=branch.bureau, name="第18党支部")
    assert branch_ids(bureau, "view_roster") == sorted([branch.pk, sibling.pk])
    assert not has_capability(bureau, "view_roster", other_branch)
    assert not has_capability(bureau, "edit_members", branch)
    assert has_capability(bureau, "answer_escalations", sibling)


def test_roles_grant_the_design_table(secretary, committee, liaison, member_user, branch):
    assert has_capability(secretary, "manage_roles", branch)
    assert not has_capability(committee, "manage_roles", branch)
    assert has_capability(committee, "edit_members", branch)
    assert has_capability(liaison, "record_visits", branch)
    assert not has_capability(liaison, "edit_members", branch)
    assert not has_capability(member_user, "view_roster", branch)
    assert has_capability(member_user, "view_study", branch)


def test_roles_are_read_once_per_request(secretary, branch, django_assert_num_queries):
    with django_assert_num_queries(1):
        for capability in ["view_roster", "edit_members", "send_notices", "record_visits"]:
            has_capability(secretary, capability, branch)


def test_templates_see_capabilities_as_perms(secretary, member_user):
    assert secretary.has_perm("portal.send_notices")
    assert not member_user.has_perm("portal.send_notices")


def test_a_role_in_one_branch_gives_nothing_in_another(branch, other_branch):
    user = UserFactory()
    BranchRoleFactory(user=user, branch=other_branch, role=BranchRole.Role.SECRETARY)
    assert not has_capability(user, "view_roster", branch)
