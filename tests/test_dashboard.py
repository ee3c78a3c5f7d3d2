"""The home page (branch_portal/dashboard.py): the greeting, and a new branch's first steps for its
secretary."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import BranchRole
from study.models import StudyPlan
from tests.dues.factories import DuesRateFactory
from tests.factories import BranchFactory, BranchRoleFactory, ContactGroupFactory, MemberFactory

TODAY = datetime.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)


def greeting(client) -> str:
    page = client.get(reverse("home")).content.decode()
    return " ".join(page.split('<p class="lead">')[1].split("</p>")[0].split())


def test_the_greeting_names_the_branches_where_the_user_holds_a_role(client, committee, branch):
    other = BranchFactory(bureau=branch.bureau, name="第17党支部")
    BranchRoleFactory(user=committee, branch=other, role=BranchRole.Role.LIAISON)
    client.force_login(committee)

    bureau = branch.bureau.name
    assert greeting(client).startswith(f"{bureau} · 第16党支部；{bureau} · 第17党支部")


def test_the_greeting_names_a_bureau_read_as_a_whole_once_with_its_number_of_branches(client, bureau, branch):
    BranchFactory.create_batch(2, bureau=branch.bureau)
    client.force_login(bureau)

    assert greeting(client).startswith(f"{branch.bureau.name} · 全部3个支部")
    assert "第16党支部" not in greeting(client)


def steps(client) -> dict[str, bool]:
    return {str(step["label"]): step["done"] for step in client.get(reverse("home")).context["first_steps"]}


def test_an_empty_branch_shows_its_secretary_the_first_steps_none_done(client, secretary):
    client.force_login(secretary)

    page = client.get(reverse("home")).content.decode()

    assert "支部起步清单" in page
    assert f'href="{reverse("members:import")}"' in page
    assert list(steps(client).values()) == [False, False, False, False, False]


def test_each_step_is_ticked_when_done_and_the_list_goes_once_the_branch_is_set_up(client, secretary, branch):
    client.force_login(secretary)
    member = MemberFactory(branch=branch, contact_group=None)
    assert list(steps(client).values())[:2] == [True, False]  # a roster, but a member in no group

    member.contact_group = ContactGroupFactory(branch=branch, leader=secretary)
    member.save(update_fields=["contact_group"])
    StudyPlan.objects.create(branch=branch, year=TODAY.year)
    assert list(steps(client).values())[:4] == [True, True, True, False]

    DuesRateFactory(branch=branch, member=member)
    assert client.get(reverse("home")).context["first_steps"] == []
    assert "支部起步清单" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("role", ["committee", "liaison", "member_user", "bureau"])
def test_only_those_who_run_the_branch_see_the_first_steps(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("home")).context["first_steps"] == []


def test_the_first_steps_cost_no_query_of_their_own(client, secretary, branch, django_assert_max_num_queries):
    client.force_login(secretary)
    client.get(reverse("home"))
    with django_assert_max_num_queries(10):  # the home page's budget (tests/dues/test_glance.py)
        client.get(reverse("home"))
