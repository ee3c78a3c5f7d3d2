"""The notices list: delivery counted for the notices shown, whatever the bureau's history."""

import pytest
from django.urls import reverse

from accounts.models import BranchRole
from notifications import services
from notifications.models import Message
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
    return services.notice_send(actor=sender, notice=notice, now=daytime)


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
