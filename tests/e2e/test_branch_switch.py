"""A secretary of two branches switches the branch they work for in the header, on a 360 px phone.

The switcher sits beside the text-size switch, never folded behind the menu; the visit policy then
acts for the branch chosen (accounts/current_branch.py).
"""

import pytest
from playwright.sync_api import expect

from accounts.models import BranchRole, User
from members.demo import DEMO_PASSWORD, NEIGHBOUR_BRANCH_NAME
from org.models import Branch

from .audit import assert_accessible, assert_age_friendly
from .browser import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_branches(demo_branch):
    """A secretary of the demo branch and its neighbour, removed after the test."""
    neighbour = Branch.objects.get(bureau=demo_branch.bureau, name=NEIGHBOUR_BRANCH_NAME)
    user = User.objects.create_user("two_branches", password=DEMO_PASSWORD, last_name="双", first_name="支")
    for branch in (demo_branch, neighbour):
        BranchRole.objects.create(user=user, branch=branch, role=BranchRole.Role.SECRETARY)
    yield neighbour
    user.delete()


def test_a_secretary_of_two_branches_switches_on_a_phone_and_the_policy_follows(
    phone_page, demo_branch, two_branches
):
    page = phone_page
    login(page, "two_branches")
    page.goto("/visits/policy/")
    switcher = page.locator("form.branch-switch")
    expect(switcher).to_be_visible()  # without opening the menu
    expect(switcher.locator("select")).to_have_value(str(demo_branch.pk))
    expect(page.locator("main")).to_contain_text(demo_branch.name)
    assert_accessible(page)
    assert_age_friendly(page)

    switcher.locator("select").select_option(str(two_branches.pk))
    switcher.get_by_role("button", name="切换支部").click()

    expect(page).to_have_url("/visits/policy/")
    expect(page.locator(".alert-success")).to_contain_text(two_branches.name)
    expect(page.locator("main")).to_contain_text(f"{two_branches.name}探望党员的频次")
    expect(switcher.locator("select")).to_have_value(str(two_branches.pk))
    assert_age_friendly(page)
