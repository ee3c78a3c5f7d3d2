"""A user with roles in several branches works for one at a time, chosen in the header (issue 19).

The choice is kept in the session; the pages that act for one branch (visit policy, celebrations,
notices, study plan, dues ledger) act for it. A branch where the user holds no role of their own is
refused, and the choice stays as it was.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.current_branch import SESSION_KEY
from accounts.models import BranchRole
from tests.factories import BranchFactory, BranchRoleFactory
from visits.models import VisitPolicy

pytestmark = pytest.mark.django_db
SWITCH = reverse("accounts:branch_switch")


@pytest.fixture
def second(branch):
    return BranchFactory(bureau=branch.bureau, name="第17党支部")


@pytest.fixture
def both(secretary, second):
    """The cast's secretary, also secretary of the neighbouring branch."""
    BranchRoleFactory(user=secretary, branch=second, role=BranchRole.Role.SECRETARY)
    return secretary


def switch(client, branch, next_url="/"):
    return client.post(SWITCH, {"branch": branch.pk, "next": next_url})


def test_a_user_of_one_branch_sees_no_switcher(client, secretary):
    client.force_login(secretary)
    assert 'class="branch-switch"' not in client.get(reverse("home")).content.decode()


def test_a_user_of_two_branches_is_offered_both_in_the_header_the_first_chosen(client, both, branch, second):
    client.force_login(both)
    response = client.get(reverse("home"))
    assert [b.pk for b in response.context["switcher_branches"]] == [branch.pk, second.pk]
    page = response.content.decode()
    assert "当前支部" in page and "切换支部" in page and "{#" not in page
    assert f'<option value="{branch.pk}" selected>第16党支部</option>' in page


def test_after_switching_the_pages_act_for_the_other_branch(client, both, branch, second):
    client.force_login(both)
    response = switch(client, second, next_url=reverse("visits:policy") + "?branch=" + str(branch.pk))

    assert response.status_code == 302 and response["Location"] == reverse("visits:policy")
    assert client.session[SESSION_KEY] == second.pk
    assert client.get(reverse("home")).context["switcher_current"] == second
    assert client.get(reverse("visits:policy")).context["branch"] == second
    assert "第17党支部" in client.get(reverse("visits:celebrations")).content.decode()
    assert client.get(reverse("notifications:new")).context["branch"] == second
    assert client.get(reverse("dues:ledger")).context["branch"] == second
    year = timezone.localdate().year
    assert client.get(reverse("study:plan_home"))["Location"] == reverse("study:plan", args=[second.pk, year])
    assert client.get(reverse("members:import")).context["form"]["branch"].value() == second.pk  # preselected


def test_the_visit_policy_saved_after_switching_is_the_other_branchs(client, both, branch, second):
    client.force_login(both)
    switch(client, second)
    form = client.get(reverse("visits:policy")).context["form"]
    data = {name: value for name in form.fields if (value := form[name].value()) is not None}
    data["elderly_days"] = 45

    response = client.post(reverse("visits:policy"), data)

    assert response.status_code == 302
    assert VisitPolicy.objects.get(branch=second).elderly_days == 45
    assert not VisitPolicy.objects.filter(branch=branch, elderly_days=45).exists()


def test_switching_back_acts_for_the_first_again(client, both, branch, second):
    client.force_login(both)
    switch(client, second)
    switch(client, branch)
    assert client.get(reverse("visits:policy")).context["branch"] == branch


@pytest.mark.parametrize("value", ["other", "junk", ""])
def test_a_branch_without_a_role_of_ones_own_is_refused_and_the_choice_kept(
    client, both, second, other_branch, value
):
    client.force_login(both)
    switch(client, second)
    asked = {"other": str(other_branch.pk), "junk": "第17党支部", "": ""}[value]

    response = client.post(SWITCH, {"branch": asked, "next": "/"})

    assert response.status_code == 403
    assert "这个页面不对您开放" in response.content.decode()
    assert client.session[SESSION_KEY] == second.pk


def test_a_branch_dropped_since_it_was_chosen_falls_back_to_the_first(client, both, branch, second):
    client.force_login(both)
    switch(client, second)
    both.branch_roles.filter(branch=second).delete()
    assert client.get(reverse("visits:policy")).context["branch"] == branch
    assert "switcher_branches" not in client.get(reverse("home")).context


def test_the_bureau_is_not_offered_the_branches_it_reads(client, bureau, second):
    client.force_login(bureau)
    assert "switcher_branches" not in client.get(reverse("home")).context
    assert client.post(SWITCH, {"branch": second.pk, "next": "/"}).status_code == 403


def test_the_switch_never_sends_anyone_off_the_site(client, both, second):
    client.force_login(both)
    assert switch(client, second, next_url="https://evil.example/x")["Location"] == reverse("home")
