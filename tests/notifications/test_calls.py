"""Nobody is left out of a notice: members an SMS cannot reach become calls on their group leader's list."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import BranchRole
from members import services as member_services
from members.models import Member
from notifications import calls, selectors, services
from notifications.models import Call, Channel, Message
from notifications.services import outbox_sweep
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory

from .factories import NoticeFactory

pytestmark = pytest.mark.django_db

TEXT = "{姓名}同志：本月学习日上午9点，请准时参加。"


@pytest.fixture
def leader(branch):
    user = UserFactory(username="leader2", last_name="刘", first_name="淑华", phone="+8613700000002")
    BranchRoleFactory(user=user, branch=branch, role=BranchRole.Role.COMMITTEE)
    return user


@pytest.fixture
def people(branch, group, leader):
    """group 1 (the liaison's) and group 2 (leader's), each with members of every kind."""
    second = ContactGroupFactory(branch=branch, number=2, leader=leader)
    return {
        "mobile": MemberFactory(branch=branch, name="张有机", contact_group=group),
        "landline": MemberFactory(
            branch=branch,
            name="赵座机",
            contact_group=group,
            phone="",
            phone_alt="+861065551234",
            emergency_name_1="赵伟",
            emergency_relation_1="儿子",
            emergency_phone_1="+8613811112222",
        ),
        "opted_out": MemberFactory(branch=branch, name="王不要", contact_group=second, sms_opt_out=True),
        "eyesight": MemberFactory(branch=branch, name="钱眼花", contact_group=second, needs_call=True),
        "ungrouped": MemberFactory(branch=branch, name="孙无组", phone=""),
    }


def send(branch, secretary, now, **fields) -> services.NoticeResult:
    notice = NoticeFactory(branch=branch, body=TEXT, **fields)
    return services.notice_send(actor=secretary, notice=notice, now=now)


def test_a_sent_notice_puts_exactly_the_members_sms_cannot_reach_on_their_leaders_lists(
    branch, secretary, liaison, leader, people, daytime
):
    result = send(branch, secretary, daytime)
    notice = result.notice

    made = {c.member.name: (c.caller, c.reason, c.outcome) for c in Call.objects.select_related("member")}
    assert made == {
        "赵座机": (liaison, Call.Reason.NO_MOBILE, Call.Outcome.OPEN),
        "王不要": (leader, Call.Reason.OPTED_OUT, Call.Outcome.OPEN),
        "钱眼花": (leader, Call.Reason.NEEDS_CALL, Call.Outcome.OPEN),
        "孙无组": (secretary, Call.Reason.NO_MOBILE, Call.Outcome.OPEN),  # in no group: the secretary's
    }
    assert Call.objects.get(member=people["landline"]).body == "赵座机同志：本月学习日上午9点，请准时参加。"
    # Poor eyesight: phoned, and the SMS still goes to their mobile (a relative may read it).
    sms = Message.objects.filter(notice=notice, channel=Channel.SMS).values_list("member__name", flat=True)
    assert set(sms) == {"张有机", "钱眼花"}
    assert result.calls_added == 4


def test_a_wechat_only_notice_makes_no_calls_and_an_away_leaders_deputy_gets_them(
    branch, secretary, liaison, leader, daytime
):
    group = ContactGroupFactory(branch=branch, number=3, leader=liaison, deputy=leader, leader_away=True)
    MemberFactory(branch=branch, contact_group=group, phone="")
    send(branch, secretary, daytime, send_sms=False, send_branch_wechat=True)
    assert not Call.objects.exists()
    send(branch, secretary, daytime)
    assert Call.objects.get().caller == leader


def test_sending_again_or_releasing_twice_never_doubles_the_list(branch, secretary, people, daytime):
    notice = send(branch, secretary, daytime).notice
    with pytest.raises(ValidationError):
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    services.notice_issue(notice=notice, now=daytime)
    plan = services._plan(notice, daytime)
    assert calls.calls_create(notice=notice, recipients=plan.calls) == 0
    assert Call.objects.filter(notice=notice).count() == 4

    scheduled = NoticeFactory(branch=branch, scheduled_for=daytime + datetime.timedelta(hours=1))
    services.notice_send(actor=secretary, notice=scheduled, now=daytime)
    assert not Call.objects.filter(notice=scheduled).exists()  # only once it goes
    outbox_sweep(now=daytime + datetime.timedelta(hours=1, minutes=1))
    outbox_sweep(now=daytime + datetime.timedelta(hours=1, minutes=2))
    assert Call.objects.filter(notice=scheduled).count() == 4


def test_the_leader_sees_only_their_own_calls_with_tel_links(
    client, branch, secretary, liaison, people, daytime
):
    send(branch, secretary, daytime)
    client.force_login(liaison)
    response = client.get(reverse("notifications:calls"))
    page = response.content.decode()
    assert [c.member.name for c in response.context["calls"]] == ["赵座机"]
    assert 'href="tel:+861065551234"' in page and 'href="tel:+8613811112222"' in page
    assert "赵伟（儿子）" in page
    assert "赵座机同志：本月学习日上午9点" in page
    assert "王不要" not in page and "孙无组" not in page


def test_another_leaders_call_and_another_branchs_are_404(
    client, branch, secretary, liaison, stranger, people, daytime
):
    send(branch, secretary, daytime)
    others = Call.objects.get(member=people["opted_out"])
    for user in (liaison, stranger):
        client.force_login(user)
        response = client.post(reverse("notifications:call_mark", args=[others.pk]), {"mark": "in_person"})
        assert response.status_code == 404
    others.refresh_from_db()
    assert (others.outcome, others.marked_by, others.attempts) == (Call.Outcome.OPEN, None, 0)


def test_one_tap_records_the_outcome_with_who_and_when_and_keeps_its_history(
    client, branch, secretary, liaison, people, daytime, clock
):
    send(branch, secretary, daytime)
    call = Call.objects.get(member=people["landline"])
    client.force_login(liaison)
    url = reverse("notifications:call_mark", args=[call.pk])

    response = client.post(url, {"mark": "not_reached"}, headers={"HX-Request": "true"})
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.marked_by, call.marked_at) == ("open", 1, liaison, clock.now)
    assert f'id="call-{call.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()  # the card alone, for htmx to swap

    clock.move(hours=2)
    response = client.post(url, {"mark": "family"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.marked_by, call.marked_at) == ("family", 1, liaison, clock.now)
    entries = LogEntry.objects.get_for_object(call).order_by("timestamp")
    assert [e.actor for e in entries] == [liaison, liaison]
    assert entries.last().changes_dict["outcome"] == ["open", "family"]


def test_an_unknown_mark_says_why_and_changes_nothing(client, branch, secretary, liaison, people, daytime):
    send(branch, secretary, daytime)
    call = Call.objects.get(member=people["landline"])
    client.force_login(liaison)
    response = client.post(reverse("notifications:call_mark", args=[call.pk]), {"mark": "maybe"}, follow=True)
    assert "请选择是否已联系上本人。" in [str(m) for m in response.context["messages"]]
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.marked_by) == ("open", 0, None)


def test_the_delivery_page_counts_sms_sent_reached_by_phone_and_still_to_reach(
    client, branch, secretary, liaison, people, daytime
):
    notice = send(branch, secretary, daytime).notice
    Message.objects.filter(notice=notice, member=people["mobile"]).update(status=Message.Status.SENT)
    landline = Call.objects.get(member=people["landline"])
    calls.call_mark(actor=liaison, call=landline, mark=Call.Outcome.IN_PERSON)
    client.force_login(secretary)
    response = client.get(notice.get_absolute_url())
    assert response.context["call_counts"] == {"sms_sent": 1, "reached": 1, "to_reach": 3}
    page = response.content.decode()
    assert "短信已发 1 条 · 电话已联系上 1 人 · 尚待电话联系 3 人" in page
    assert "孙无组</a>（王用" in page  # who is still to reach, and who is to call them


def test_a_leader_with_calls_open_the_next_day_is_reminded_once(
    branch, secretary, liaison, leader, people, clock
):
    notice = send(branch, secretary, clock.now).notice
    calls.call_mark(actor=leader, call=Call.objects.get(member=people["opted_out"]), mark="in_person")
    calls.call_mark(actor=leader, call=Call.objects.get(member=people["eyesight"]), mark="family")
    liaison.phone = "+8613700000001"
    liaison.save(update_fields=["phone"])
    clock.move(hours=3)
    assert calls.calls_remind() == 0  # not the next day yet

    clock.move(hours=21)
    # The liaison only: the secretary has no phone, the other leader is done.
    assert calls.calls_remind() == 1
    clock.move(hours=5)
    assert calls.calls_remind() == 0
    reminder = Message.objects.exclude(notice=notice).get()
    assert (reminder.user, reminder.to) == (liaison, "+8613700000001")
    assert "您还有1个电话通知尚未打通（赵座机）" in reminder.body
    clock.move(days=1)
    assert calls.calls_remind() == 1  # and again the day after, while the call is open


def test_a_member_who_dies_leaves_every_list_and_reminder_at_once(
    client, branch, secretary, liaison, people, clock
):
    notice = send(branch, secretary, clock.now).notice
    liaison.phone = "+8613700000001"
    liaison.save(update_fields=["phone"])
    before = selectors.notice_call_counts(notice)["to_reach"]
    member_services.member_update(
        actor=secretary,
        member=people["landline"],
        status=Member.Status.DECEASED,
        status_changed_on=clock.now.date(),
    )
    client.force_login(liaison)
    page = client.get(reverse("notifications:calls")).content.decode()
    assert "赵座机" not in page
    assert selectors.notice_call_counts(notice)["to_reach"] == before - 1
    clock.move(days=1)
    calls.calls_remind()  # the other leader is reminded of theirs; the liaison's only one was 赵座机
    reminders = Message.objects.filter(notice=None)
    assert reminders.exists() and not reminders.filter(user=liaison).exists()
    assert not any("赵座机" in body for body in reminders.values_list("body", flat=True))


@pytest.mark.parametrize("notices", [1, 6])
def test_the_call_list_runs_a_constant_number_of_queries(
    client, branch, secretary, liaison, people, daytime, notices, django_assert_max_num_queries
):
    for _ in range(notices):
        send(branch, secretary, daytime)
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:calls"))
    assert len(response.context["calls"]) == notices  # the ungrouped member, once per notice


def test_the_home_page_says_how_many_calls_to_make(client, branch, secretary, liaison, people, daytime):
    send(branch, secretary, daytime)
    send(branch, secretary, daytime)
    client.force_login(liaison)
    page = client.get("/").content.decode()
    assert f'href="{reverse("notifications:calls")}"' in page
    assert "2 个电话要打" in page


def test_the_contact_map_shows_the_landline_when_there_is_no_mobile(client, branch, secretary, people):
    client.force_login(secretary)
    page = client.get(reverse("members:contact_map")).content.decode()
    assert 'href="tel:+861065551234"' in page


def test_needs_a_call_is_set_on_the_member_form(client, branch, secretary, group, people):
    member = people["mobile"]
    data = {
        "name": member.name,
        "gender": "M",
        "birth_date": "1950-05-01",
        "status": "active",
        "phone": "13912345678",
        "living_situation": "with_family",
        "condition": "good",
        "mobility": "independent",
        "contact_group": group.pk,
        "needs_call": "on",
    }
    client.force_login(secretary)
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.needs_call


def test_a_reminder_text_in_english_source_is_sent_in_chinese():
    text = calls._reminder_text(["甲", "乙", "丙", "丁"])
    assert text.startswith("{姓名}同志：您还有4个电话通知尚未打通（甲、乙、丙等）")
