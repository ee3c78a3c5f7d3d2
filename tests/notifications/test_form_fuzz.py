"""Fuzzing the notice compose form and its live preview through their views (see tests/fuzz.py)."""

import datetime
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import CareCategory
from notifications import services
from notifications.models import Message, Notice, NoticeCategory, NoticeTemplate
from tests import fuzz
from tests.factories import ContactGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NEW = reverse("notifications:new")
PREVIEW = reverse("notifications:preview")
CHANNELS = ["send_sms", "send_branch_wechat", "send_committee_wechat"]


@pytest.fixture
def world(client, secretary, branch, group, other_branch):
    """The secretary logged in; three members with mobiles in one group; another branch's group and member."""
    client.force_login(secretary)
    members = [MemberFactory(branch=branch, contact_group=group) for _ in range(3)]
    template = NoticeTemplate.objects.create(category="study", name="模糊测试", title="学习", body="{姓名}")
    return {
        "group": group,
        "members": [m.pk for m in members],
        "template": template,
        "foreign_group": ContactGroupFactory(branch=other_branch, number=1).pk,
        "foreign_member": MemberFactory(branch=other_branch).pk,
    }


def future_moments() -> st.SearchStrategy[str]:
    start = timezone.localtime() + datetime.timedelta(hours=1)
    return st.integers(0, 60 * 24 * 90).map(
        lambda minutes: (start + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
    )


@st.composite
def plausible_post(draw, world) -> dict:
    """A notice that is valid: an audience with its choice, at least one channel, a time to come or none."""
    audience = draw(st.sampled_from(["branch", "groups", "members", "committee"]))
    chosen_channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
    data = {
        "template": draw(st.sampled_from(["", world["template"].pk])),
        "category": draw(st.sampled_from(NoticeCategory.values)),
        "title": draw(fuzz.plain_text(min_size=1, max_size=100)),
        "body": draw(st.sampled_from(["", "{姓名}同志：", "{支部}"]))
        + draw(fuzz.plain_text(min_size=1, max_size=300)),
        "audience": audience,
        "scheduled_for": draw(st.one_of(st.just(""), future_moments())),
        "action": draw(st.sampled_from(["send", "draft"])),
        **{channel: "on" for channel in chosen_channels},
    }
    if audience == "groups":
        data["groups"] = world["group"].pk
    if audience == "members":
        data["members"] = draw(st.lists(st.sampled_from(world["members"]), min_size=1, unique=True))
    return data


def hostile_post(world) -> st.SearchStrategy[dict]:
    fields = {
        "template": st.sampled_from([world["template"].pk, "abc"]),
        "category": st.sampled_from(NoticeCategory.values),
        "title": fuzz.plain_text(min_size=1, max_size=100),
        "body": fuzz.plain_text(min_size=1, max_size=300),
        "audience": st.sampled_from(Notice.Audience.values),
        "groups": st.sampled_from([world["group"].pk, world["foreign_group"]]),
        "care_categories": st.sampled_from(CareCategory.values),
        "members": st.sampled_from([*world["members"], world["foreign_member"]]),
        **{channel: st.sampled_from(["on", "", "false"]) for channel in CHANNELS},
        "scheduled_for": st.one_of(future_moments(), fuzz.odd_dates),
        "action": st.sampled_from(["send", "draft"]),
    }
    return fuzz.posts(fields)


def query_strings(world) -> st.SearchStrategy[str]:
    """The compose page also reads ?template= (the htmx template choice)."""
    value = st.one_of(st.just(world["template"].pk), fuzz.hostile).map(lambda v: f"?template={quote(str(v))}")
    return st.one_of(st.just(""), value)


def check_saved(changes: dict, response, world) -> None:
    """One notice with its audience; when sent now, its number and one message per recipient and channel."""
    notice = Notice.objects.get(pk=_only(changes.pop("notice")["added"]))
    assert response["Location"] == notice.get_absolute_url()
    groups = changes.pop("notice_group", {"added": set()})["added"]
    assert set(notice.groups.through.objects.filter(notice=notice).values_list("pk", flat=True)) == groups
    assert {g.branch_id for g in notice.groups.all()} <= {notice.branch_id}
    chosen = changes.pop("notice_member", {"added": set()})["added"]
    assert set(notice.members.through.objects.filter(notice=notice).values_list("pk", flat=True)) == chosen
    assert {m.branch_id for m in notice.members.all()} <= {notice.branch_id}
    messages = changes.pop("message", {"added": set()})["added"]
    if notice.status == Notice.Status.SENT:
        assert notice.number is not None
        expected = _recipients(notice, world) * notice.send_sms + notice.send_branch_wechat
        expected += notice.send_committee_wechat
        assert len(messages) == expected
        assert set(Message.objects.filter(pk__in=messages).values_list("notice", flat=True)) <= {notice.pk}
    else:
        assert messages == set() and notice.number is None
    assert changes == {}, f"unexpected writes: {changes}"


def _recipients(notice: Notice, world) -> int:
    """The members with a mobile the notice reaches (none of the cast has a Member row but the three)."""
    if notice.audience == Notice.Audience.MEMBERS:
        return notice.members.count()
    if notice.audience == Notice.Audience.COMMITTEE:
        return 0
    if notice.audience == Notice.Audience.CARE:
        return 0  # none of the three is in a care category
    return len(world["members"])


def _only(keys: set):
    assert len(keys) == 1, keys
    return next(iter(keys))


@FUZZ
@given(data=st.data())
def test_any_input_gives_errors_or_one_whole_notice(client, world, data):
    url = NEW + data.draw(query_strings(world))
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, url, data.draw(hostile_post(world)))
        changes = fuzz.changes(before, fuzz.rows())
        if response.status_code == 302:
            check_saved(changes, response, world)
        else:
            fuzz.assert_errors_shown(response)
            assert changes == {}, f"an invalid notice wrote {changes}"


@FUZZ
@given(data=st.data())
def test_any_plausible_notice_is_saved_or_sent(client, world, data):
    post = data.draw(plausible_post(world))
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, NEW, post)
        if _reaches_nobody(post):
            fuzz.assert_errors_shown(response)
            assert response.context["form"].non_field_errors()[0].startswith("这条通知没有人能收到")
            assert fuzz.changes(before, fuzz.rows()) == {}
            return
        assert response.status_code == 302, response.context["form"].errors
        check_saved(fuzz.changes(before, fuzz.rows()), response, world)


def _reaches_nobody(post: dict) -> bool:
    """Sending by SMS alone to the committee, which has no Member row in this world, is refused."""
    by_sms_alone = not ({"send_branch_wechat", "send_committee_wechat"} & set(post))
    return post["action"] == "send" and post["audience"] == "committee" and by_sms_alone


@FUZZ
@given(data=st.data())
def test_the_preview_shows_any_input_and_writes_nothing(client, world, data):
    with fuzz.rolled_back():
        before = fuzz.rows()
        response = fuzz.post(client, PREVIEW, data.draw(hostile_post(world)))
        assert response.status_code == 200
        assert "收件人" in response.content.decode()
        assert fuzz.changes(before, fuzz.rows()) == {}


def valid_post(**changed) -> dict:
    data = {
        "category": "study",
        "title": "学习安排",
        "body": "{姓名}同志：周三上午9点学习。",
        "audience": "branch",
        "send_sms": "on",
        "action": "draft",
    }
    return {**data, **changed}


def rejected(client, **changed) -> dict:
    before = fuzz.rows()
    response = fuzz.post(client, NEW, valid_post(**changed))
    fuzz.assert_errors_shown(response)
    assert fuzz.changes(before, fuzz.rows()) == {}
    return response.context["form"].errors


def test_a_group_of_another_branch_is_not_a_choice(client, world):
    errors = rejected(client, audience="groups", groups=world["foreign_group"])
    not_a_choice = f"选择一个有效的选项。 {world['foreign_group']} 不在可用的选项中。"
    assert errors == {"groups": [not_a_choice, "请至少选择一个联络小组。"]}


def test_a_nul_byte_in_the_title_is_refused(client, world):
    assert rejected(client, title="学习\x00安排") == {"title": [fuzz.NUL_REFUSED]}


def test_a_template_id_that_is_not_a_number_opens_a_blank_form(client, world):
    response = client.get(NEW + "?template=abc")
    assert response.status_code == 200
    assert response.context["form"].initial.get("body") is None


def test_a_body_of_10000_characters_is_refused(client, world):
    errors = rejected(client, body="通" * 10_000)
    assert errors == {"body": ["正文请控制在 1000 字以内（现有 10000 字）：过长的正文会被拆成太多条短信。"]}


def test_a_body_of_1000_characters_is_saved_for_the_wechat_groups(client, world):
    response = fuzz.post(client, NEW, valid_post(body="通" * 1000, send_sms="", send_branch_wechat="on"))
    assert response.status_code == 302
    assert len(Notice.objects.get().body) == 1000


def test_the_service_refuses_a_body_too_long_for_any_channel(secretary, branch):
    with pytest.raises(ValidationError) as refused:
        services.notice_create(actor=secretary, branch=branch, title="通知", body="通" * 1001)
    too_long = "正文请控制在 1000 字以内（现有 1001 字）：过长的正文会被拆成太多条短信。"
    assert refused.value.message_dict == {"body": [too_long]}


def test_a_member_id_past_64_bits_is_not_a_choice(client, world):
    errors = rejected(client, audience="members", members=str(2**63))
    not_a_choice = f"选择一个有效的选项。 {2**63} 不在可用的选项中。"
    assert errors == {"members": [not_a_choice, "请至少选择一名党员。"]}
