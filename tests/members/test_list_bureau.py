"""The member list as a bureau user reads it: one branch at a time, all branches when asked."""

import pytest
from django.urls import reverse

from tests.factories import BranchFactory, ContactGroupFactory, MemberFactory
from tests.members.factories import bulk_members

pytestmark = pytest.mark.django_db
URL = reverse("members:list")


def names(response) -> list[str]:
    return [m.name for m in response.context["page"].object_list]


@pytest.fixture
def sister_branch(branch):
    """A second branch of the bureau, created after `branch` (so `branch` is the bureau's first)."""
    return BranchFactory(bureau=branch.bureau, name="第17党支部")


@pytest.fixture
def two_branches(branch, group, sister_branch, committee):
    sister_group = ContactGroupFactory(branch=sister_branch, number=1, name="姊妹支部一组", leader=committee)
    return {
        "ours": MemberFactory(branch=branch, contact_group=group, name="张志远", district="海淀区"),
        "sister": MemberFactory(
            branch=sister_branch, contact_group=sister_group, name="陈桂芳", district="西城区"
        ),
        "sister_group": sister_group,
    }


def test_bureau_sees_its_first_branch_by_default(client, bureau, group, two_branches):
    client.force_login(bureau)
    response = client.get(URL)
    assert names(response) == ["张志远"]
    member_filter = response.context["filter"]
    assert member_filter.shows_branches
    assert [str(g) for g in member_filter.filters["contact_group"].queryset] == [group.name]
    assert member_filter.filters["district"].extra["choices"] == [("海淀区", "海淀区")]
    assert 'id="list-branch"' in response.content.decode()
    assert ">显示</button>" in response.content.decode()  # the branch choice's button, not "显示菜单"


def test_bureau_chooses_another_branch_or_all_of_them(client, bureau, sister_branch, two_branches):
    client.force_login(bureau)
    sister = client.get(URL, {"branch": sister_branch.pk})
    assert names(sister) == ["陈桂芳"]
    assert list(sister.context["filter"].filters["contact_group"].queryset) == [two_branches["sister_group"]]
    everyone = client.get(URL, {"branch": ""})
    assert names(everyone) == ["陈桂芳", "张志远"]  # chen before zhang, in pinyin order
    # Across the bureau no group is offered: a group is chosen within its branch.
    assert list(everyone.context["filter"].filters["contact_group"].queryset) == []


def test_a_branch_outside_the_users_bureau_lists_nobody(client, bureau, other_branch, two_branches):
    MemberFactory(branch=other_branch, name="李明")
    client.force_login(bureau)
    response = client.get(URL, {"branch": other_branch.pk})
    assert names(response) == []
    assert response.context["filter"].errors


def test_committee_of_one_branch_sees_no_branch_choice(client, secretary, two_branches):
    client.force_login(secretary)
    response = client.get(URL)
    assert names(response) == ["张志远"]
    assert not response.context["filter"].shows_branches
    assert 'id="list-branch"' not in response.content.decode()


@pytest.mark.parametrize("count", [20, 200])
def test_bureau_list_runs_a_constant_number_of_queries(
    client, bureau, branch, group, sister_branch, count, django_assert_max_num_queries
):
    bulk_members(branch, count, [group])
    bulk_members(sister_branch, count, [], start=count)
    client.force_login(bureau)
    for params in ({}, {"branch": ""}, {"branch": sister_branch.pk, "q": "cy"}):
        with django_assert_max_num_queries(10):
            response = client.get(URL, params)
        assert len(response.context["page"].object_list) == min(50, response.context["page"].paginator.count)
    assert client.get(URL, {"branch": ""}).context["page"].paginator.count == 2 * count
