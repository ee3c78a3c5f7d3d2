"""Interest groups run from the portal: created with an organiser, joined and left by members."""

import pytest
from django.urls import reverse

from study.models import InterestGroup
from tests.factories import MemberFactory
from tests.study.factories import InterestGroupFactory


def test_carer_creates_a_group_with_an_organiser(client, branch, liaison):
    organiser = MemberFactory(branch=branch, name="王雷保")
    client.force_login(liaison)

    response = client.post(
        reverse("study:group_create"),
        {"name": "理论学习兴趣小组", "description": "中美关系、欧债危机", "organiser": organiser.pk},
    )

    assert response.status_code == 302
    group = InterestGroup.objects.get()
    assert (group.branch, group.organiser, group.description) == (branch, organiser, "中美关系、欧债危机")


def test_a_group_without_a_name_is_refused(client, branch, liaison):
    client.force_login(liaison)
    response = client.post(reverse("study:group_create"), {"name": ""})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not InterestGroup.objects.exists()


def test_member_joins_and_leaves_on_their_phone(client, branch, own_member):
    group = InterestGroupFactory(branch=branch, name="书画兴趣小组")
    client.force_login(own_member.user)

    assert "加入小组" in client.get(reverse("study:groups")).content.decode()
    assert client.post(reverse("study:group_join", args=[group.pk])).status_code == 302
    assert list(group.members.all()) == [own_member]
    assert "退出小组" in client.get(reverse("study:groups")).content.decode()

    client.post(reverse("study:group_leave", args=[group.pk]))
    assert not group.members.exists()


def test_member_cannot_join_another_branchs_group(client, own_member, other_branch):
    group = InterestGroupFactory(branch=other_branch)
    client.force_login(own_member.user)
    assert client.post(reverse("study:group_join", args=[group.pk])).status_code == 404
    assert not group.members.exists()


def test_carers_edit_only_their_branchs_groups(client, branch, liaison, stranger):
    group = InterestGroupFactory(branch=branch, name="书画兴趣小组")
    client.force_login(stranger)
    assert client.get(reverse("study:group_edit", args=[group.pk])).status_code == 404
    client.force_login(liaison)
    response = client.post(
        reverse("study:group_edit", args=[group.pk]), {"name": "书画小组", "description": ""}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "书画小组"


@pytest.mark.parametrize("count", [2, 12])
def test_group_list_runs_a_constant_number_of_queries(
    client, branch, own_member, count, django_assert_max_num_queries
):
    for _ in range(count):
        group = InterestGroupFactory(branch=branch, organiser=MemberFactory(branch=branch))
        group.members.add(own_member, MemberFactory(branch=branch))
    client.force_login(own_member.user)
    client.get(reverse("study:groups"))  # the first request after logging in may write the session
    with django_assert_max_num_queries(9):
        response = client.get(reverse("study:groups"))
    assert len(response.context["groups"]) == count


def test_a_talk_is_added_to_an_activity_and_listed_on_the_members_panel(client, branch, secretary, activity):
    author = MemberFactory(branch=branch, name="王雷保")
    client.force_login(secretary)

    response = client.post(
        reverse("study:contribution_add", args=[activity.pk]),
        {"kind": "talk", "author": author.pk, "title": "我所经历的改革和法制故事", "text": "讲稿"},
    )

    assert response.status_code == 302
    assert "我所经历的改革和法制故事" in client.get(activity.get_absolute_url()).content.decode()
    panel = client.get(reverse("study:member_panel", args=[author.pk])).content.decode()
    assert "宣讲" in panel and "我所经历的改革和法制故事" in panel


def test_a_contribution_without_a_title_is_refused(client, branch, secretary, activity):
    author = MemberFactory(branch=branch)
    client.force_login(secretary)
    response = client.post(
        reverse("study:contribution_add", args=[activity.pk]), {"kind": "essay", "author": author.pk}
    )
    assert response.status_code == 200
    assert not author.contributions.exists()
