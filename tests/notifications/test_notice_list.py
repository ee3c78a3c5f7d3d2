"""The notices list: delivery counted for the notices shown, whatever the bureau's history."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BranchRole
from notifications import services
from notifications.models import Message, Notice
from tests.factories import BranchFactory, BranchRoleFactory, MemberFactory, UserFactory

from .factories import NoticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sister_branch(branch):
    return BranchFactory(bureau=branch.bureau, name="第17党支部")


def send(branch, sender, daytime, members: int, title: str = "学习安排"):
    for _ in range(members):
        MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch, created_by=sender, title=title)
    return services.notice_send(actor=sender, notice=notice, now=daytime).notice


def test_each_notice_counts_its_own_messages(client, secretary, branch, daytime):
    first = send(branch, secretary, daytime, 2, "第一期")
    second = send(branch, secretary, daytime, 1, "第二期")  # to all three members by now
    draft = NoticeFactory(branch=branch, title="草稿")
    Message.objects.filter(notice=first).update(status=Message.Status.SENT)
    failed = Message.objects.filter(notice=second).order_by("pk").first()
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)
    client.force_login(secretary)
    rows = {n.pk: n for n in client.get(reverse("notifications:list")).context["notices"]}
    counts = {pk: (n.sent_count, n.failed_count, n.pending_count) for pk, n in rows.items()}
    assert counts == {first.pk: (2, 0, 0), second.pk: (0, 1, 2), draft.pk: (0, 0, 0)}
    detail = client.get(reverse("notifications:detail", args=[second.pk]))
    assert (detail.context["notice"].failed_count, detail.context["notice"].pending_count) == (1, 2)


@pytest.mark.parametrize("per_branch", [2, 12])
def test_bureau_list_runs_a_constant_number_of_queries(
    client, secretary, bureau, branch, sister_branch, per_branch, daytime, django_assert_max_num_queries
):
    sister_secretary = UserFactory(username="sister")
    BranchRoleFactory(user=sister_secretary, branch=sister_branch, role=BranchRole.Role.SECRETARY)
    for _ in range(per_branch):
        send(branch, secretary, daytime, 1)
        send(sister_branch, sister_secretary, daytime, 1)
    client.force_login(bureau)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["notices"]) == 2 * per_branch
    client.force_login(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["notices"]) == per_branch


def sent_notices(branch, count: int, title: str = "学习安排", start: int = 1) -> list:
    """Sent notices straight to the table: the list only reads them."""
    return [
        NoticeFactory(
            branch=branch,
            title=title,
            status=Notice.Status.SENT,
            year=2026,
            number=start + i,
            sent_at=timezone.now(),
        )
        for i in range(count)
    ]


def listed(client, **params) -> list:
    return list(client.get(reverse("notifications:list"), params).context["notices"])


def test_bureau_sees_whose_notice_each_is_and_filters_to_one_branch(client, bureau, branch, sister_branch):
    ours = sent_notices(branch, 1, "本支部通知")[0]
    theirs = sent_notices(sister_branch, 1, "兄弟支部通知")[0]
    client.force_login(bureau)
    page = client.get(reverse("notifications:list")).content.decode()
    assert ">第16党支部</td>" in page and ">第17党支部</td>" in page  # the rows' branch column
    assert 'name="branch"' in page
    assert listed(client, branch=sister_branch.pk) == [theirs]
    assert listed(client, branch=branch.pk) == [ours]


def test_another_bureaus_notices_never_appear_and_its_branch_is_refused(client, bureau, branch, other_branch):
    sent_notices(branch, 1, "本支部通知")
    sent_notices(other_branch, 1, "外局通知")
    client.force_login(bureau)
    assert [n.title for n in listed(client)] == ["本支部通知"]
    response = client.get(reverse("notifications:list"), {"branch": other_branch.pk})
    assert list(response.context["notices"]) == []
    assert response.context["filter"].errors["branch"]
    assert "外局通知" not in response.content.decode()


def test_year_filter_keeps_the_year_asked_for(client, secretary, branch):
    recent = NoticeFactory(branch=branch, title="今年")
    old = NoticeFactory(branch=branch, title="往年")
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now().replace(year=timezone.now().year - 2))
    client.force_login(secretary)
    assert listed(client, year=timezone.localdate().year) == [recent]
    assert listed(client, year=timezone.localdate().year - 2) == [old]


def test_pages_show_fifty_then_the_rest(client, bureau, branch, sister_branch):
    sent_notices(branch, 30)
    sent_notices(sister_branch, 30)
    client.force_login(bureau)
    first = client.get(reverse("notifications:list"))
    assert len(first.context["notices"]) == 50
    assert "?page=2" in first.content.decode()
    second = client.get(reverse("notifications:list"), {"page": 2})
    assert len(second.context["notices"]) == 10
    shown = {n.pk for n in first.context["notices"]} | {n.pk for n in second.context["notices"]}
    assert len(shown) == 60


def test_committee_of_one_branch_sees_no_branch_column_or_filter(client, committee, branch):
    sent_notices(branch, 1, "本支部通知")
    client.force_login(committee)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "本支部通知" in page
    assert "第16党支部" not in page
    assert 'name="branch"' not in page and 'name="year"' not in page


def test_the_failed_messages_tile_opens_exactly_the_notices_it_counts(client, secretary, branch, daytime):
    """The dashboard said "19 发送失败的消息" with no way to see why (issue 20)."""
    first = send(branch, secretary, daytime, 2, "第一期")
    second = send(branch, secretary, daytime, 1, "第二期")
    Message.objects.filter(notice=first).update(status=Message.Status.FAILED, last_error="余额不足")
    Message.objects.filter(notice=second).update(status=Message.Status.SENT)
    client.force_login(secretary)

    [tile] = [t for t in client.get(reverse("home")).context["tiles"] if t["url"].endswith("?failed=on")]
    listed = client.get(tile["url"])

    assert tile["value"] == 1 and str(tile["label"]) == "有发送失败消息的通知"
    assert [n.pk for n in listed.context["notices"]] == [first.pk]
    assert "打开每条通知可查看失败原因" in listed.content.decode()
    assert "余额不足" in client.get(reverse("notifications:detail", args=[first.pk])).content.decode()
