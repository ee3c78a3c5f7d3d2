"""Interest groups run from the portal: created with an organiser, joined and left by members; members'
talks and essays, with their text or a file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from study.models import Contribution, InterestGroup
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


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_an_essay_with_a_pdf_is_served_to_those_who_see_its_activity(
    client, branch, secretary, activity, own_member, stranger, media
):
    author = MemberFactory(branch=branch)
    essay = SimpleUploadedFile("征文.exe.pdf", b"%PDF-1.4 essay", content_type="application/octet-stream")
    client.force_login(secretary)
    data = {"kind": "essay", "author": author.pk, "title": "入党六十年", "file": essay}
    assert client.post(reverse("study:contribution_add", args=[activity.pk]), data).status_code == 302
    contribution = Contribution.objects.get(title="入党六十年")
    assert contribution.content_type == "application/pdf" and contribution.file.name.endswith(".pdf")
    assert "征文" not in contribution.file.name  # stored under a random name
    client.force_login(own_member.user)
    response = client.get(reverse("study:contribution_file", args=[contribution.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 essay"
    client.force_login(stranger)
    assert client.get(reverse("study:contribution_file", args=[contribution.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("talk.exe", b"MZ\x90\x00 not a document", "只能上传"),
        ("talk.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024), "20 MB"),
    ],
)
def test_a_contribution_file_not_allowed_is_refused_and_nothing_is_written(
    client, branch, secretary, activity, media, name, content, message
):
    author = MemberFactory(branch=branch)
    client.force_login(secretary)
    data = {"kind": "talk", "author": author.pk, "title": "宣讲稿", "file": SimpleUploadedFile(name, content)}
    response = client.post(reverse("study:contribution_add", args=[activity.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Contribution.objects.exists()
