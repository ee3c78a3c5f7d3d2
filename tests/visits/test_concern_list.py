"""The concern list: what needs attention by default, filters to reach the rest, 50 a page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.permissions import SYSTEM, branch_ids
from tests.factories import BranchFactory, MemberFactory
from tests.visits.factories import ConcernFactory
from visits import services
from visits.models import Concern

pytestmark = pytest.mark.django_db
State = Concern.State
# A page served from the cache reads only the user and the user's roles (the session is cached).


def days(n):
    return datetime.timedelta(days=n)


def listed(client, **params) -> list[int]:
    """The ids of the concerns the page lists, in its order."""
    response = client.get(reverse("visits:concerns"), params)
    assert response.status_code == 200
    return [row["pk"] for row in response.context["rows"]]


def closed(liaison, member, *, days_ago: int = 0) -> Concern:
    concern = ConcernFactory(member=member)
    services.concern_answer(actor=liaison, concern=concern, comment="已答复")
    services.concern_close(actor=liaison, concern=concern, comment="满意")
    Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now() - days(days_ago))
    return concern


def escalated(liaison, member) -> Concern:
    concern = ConcernFactory(member=member)
    return services.concern_escalate(actor=liaison, concern=concern, comment="上报")


@pytest.fixture
def member(branch, group):
    return MemberFactory(branch=branch, contact_group=group, name="张桂兰")


@pytest.fixture
def sister_branch(branch):
    """Another branch of the same bureau: the bureau user reads it too."""
    return BranchFactory(bureau=branch.bureau, name="第17党支部")


def test_branch_sees_open_answered_and_recently_closed_by_default(client, liaison, member):
    waiting = ConcernFactory(member=member)
    answered = services.concern_answer(actor=liaison, concern=ConcernFactory(member=member), comment="已答复")
    recent = closed(liaison, member, days_ago=10)
    old = closed(liaison, member, days_ago=200)
    client.force_login(liaison)
    assert set(listed(client)) == {waiting.pk, answered.pk, recent.pk}
    assert set(listed(client, status="all")) == {waiting.pk, answered.pk, recent.pk, old.pk}
    assert set(listed(client, status="closed")) == {recent.pk, old.pk}


def test_rows_show_category_state_channel_and_each_step_in_the_users_language(client, liaison, member):
    concern = services.concern_answer(actor=liaison, concern=ConcernFactory(member=member), comment="已答复")
    client.force_login(liaison)
    page = client.get(reverse("visits:concerns")).content.decode()
    with translation.override("zh-hans"):
        shown = [
            f"{member.name} · {concern.get_category_display()}",
            f'<span class="badge text-bg-light border">{concern.get_state_display()}</span>',
            f" · {concern.get_raised_via_display()}</p>",
            f" · {State.ANSWERED.label} · {liaison}：已答复</li>",  # Chinese punctuation (issue 20)
        ]
    assert "已答复" in page and all(text in page for text in shown)


def test_cards_count_the_steps_name_no_person_with_a_dash_and_label_each_moves_comment(
    client, liaison, member
):
    concern = ConcernFactory(member=member)
    services.concern_answer(actor=SYSTEM, concern=concern, comment="已答复")
    client.force_login(liaison)
    page = client.get(reverse("visits:concerns")).content.decode()
    with translation.override("zh-hans"):
        shown = [
            "<summary>2 条处理记录</summary>",  # raised, then answered
            f" · {State.ANSWERED.label} · —：已答复</li>",
            *(
                f'<label class="form-label" for="comment-{concern.pk}-{state}">“{state.label}”的说明</label>'
                for state in (State.CLOSED, State.ESCALATED)
            ),
        ]
    assert [text for text in shown if text not in page] == []


def test_year_and_search_reach_old_concerns(client, liaison, member, group, branch):
    last_year = timezone.localdate().year - 1
    old = closed(liaison, member, days_ago=400)
    Concern.objects.filter(pk=old.pk).update(raised_on=datetime.date(last_year, 5, 1), text="暖气费报销")
    other = closed(liaison, MemberFactory(branch=branch, contact_group=group, name="李明"), days_ago=400)
    client.force_login(liaison)
    assert listed(client, status="all", year=last_year) == [old.pk]
    assert listed(client, status="all", q="暖气") == [old.pk]
    assert listed(client, status="all", q="李明") == [other.pk]
    # By default only what needs attention: the old one is found once the status allows it.
    assert listed(client, q="暖气") == []


def test_bureau_inbox_shows_unanswered_and_recent_replies_of_its_branches(
    client, liaison, bureau, member, sister_branch
):
    waiting = escalated(liaison, member)
    replied = services.concern_transition(
        actor=bureau, concern=escalated(liaison, member), to_state=State.BUREAU_REPLIED, comment="已办理"
    )
    old_reply = services.concern_transition(
        actor=bureau, concern=escalated(liaison, member), to_state=State.BUREAU_REPLIED, comment="已办理"
    )
    Concern.objects.filter(pk=old_reply.pk).update(updated_at=timezone.now() - days(120))
    ConcernFactory(member=member)  # not escalated: the branch's own business
    elsewhere = escalated(SYSTEM, MemberFactory(branch=sister_branch))
    client.force_login(bureau)
    assert set(listed(client)) == {waiting.pk, replied.pk, elsewhere.pk}
    assert set(listed(client, status="all")) == {waiting.pk, replied.pk, old_reply.pk, elsewhere.pk}
    assert listed(client, branch=sister_branch.pk) == [elsewhere.pk]


def test_bureau_branch_filter_offers_its_branches_and_refuses_others(
    client, bureau, member, sister_branch, other_branch
):
    escalated(SYSTEM, member)
    client.force_login(bureau)
    response = client.get(reverse("visits:concerns"))
    assert response.context["filter"].shows_branches
    assert sister_branch.name in response.content.decode()
    assert listed(client, branch=other_branch.pk) == []


def test_committee_of_one_branch_gets_no_branch_choice(client, liaison, member):
    client.force_login(liaison)
    response = client.get(reverse("visits:concerns"))
    assert not response.context["filter"].shows_branches
    assert 'name="branch"' not in response.content.decode()


def test_fifty_concerns_a_page_counted_over_all_pages(client, liaison, member):
    for _ in range(53):
        ConcernFactory(member=member)
    client.force_login(liaison)
    first = client.get(reverse("visits:concerns"))
    assert (len(first.context["rows"]), first.context["page"].paginator.count) == (50, 53)
    assert "第 1 页，共 2 页" in first.content.decode()
    assert "page=2" in first.content.decode()  # the pager's next link
    assert len(listed(client, page=2)) == 3


@pytest.mark.parametrize("size", [3, 20])
def test_concern_pages_run_a_constant_number_of_queries(
    client, liaison, bureau, member, sister_branch, size, django_assert_max_num_queries
):
    for _ in range(size):
        escalated(liaison, member)
        closed(liaison, member)
        escalated(SYSTEM, MemberFactory(branch=sister_branch))
    client.force_login(liaison)
    with django_assert_max_num_queries(10):
        assert len(listed(client)) == 2 * size
    client.force_login(bureau)
    for params in ({}, {"status": "all", "q": "楼道"}, {"branch": sister_branch.pk, "page": 1}):
        with django_assert_max_num_queries(10):
            rows = listed(client, **params)
        assert len(rows) == (size if "branch" in params else 2 * size)


def test_dashboard_counts_only_the_users_branches_in_one_query(
    liaison, bureau, member, sister_branch, other_branch, visit_tiles, django_assert_num_queries
):
    today = timezone.localdate()
    ConcernFactory(member=member)
    escalated(liaison, member)
    escalated(SYSTEM, MemberFactory(branch=sister_branch))
    ConcernFactory(member=MemberFactory(branch=other_branch))  # another bureau's: counted nowhere here
    escalated(SYSTEM, MemberFactory(branch=other_branch))
    closed(liaison, member)
    branch_ids(bureau, "answer_escalations")  # the roles, read once per request anyway
    with django_assert_num_queries(1):
        tiles = visit_tiles(bureau, today)
    assert [t["value"] for t in tiles] == [2, 0]  # awaiting the bureau (both its branches), stale
    assert [t["value"] for t in visit_tiles(liaison, today)][2:] == [1, 0]  # open concerns, stale


def raised(member, text: str) -> dict:
    """What the concerns page's form posts."""
    return {"member": member.pk, "category": "pension", "raised_via": "phone", "text": text}
