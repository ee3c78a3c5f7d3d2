import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members.models import CareCategory, HealthRecord, Member
from notifications import services
from notifications.models import Channel, Message, Notice, ReminderSettings
from notifications.outbox import after_quiet_hours
from notifications.transports import locmem
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory

from .conftest import SHANGHAI
from .factories import NoticeFactory

pytestmark = pytest.mark.django_db


def test_numbers_count_up_per_branch_and_year_and_are_given_only_when_sent(
    branch, other_branch, secretary, daytime
):
    MemberFactory(branch=branch)
    MemberFactory(branch=other_branch)
    first, second = NoticeFactory(branch=branch), NoticeFactory(branch=branch)
    draft = NoticeFactory(branch=branch)
    elsewhere = NoticeFactory(branch=other_branch)
    services.notice_send(actor=secretary, notice=first, now=daytime)
    services.notice_send(actor=secretary, notice=second, now=daytime)
    services.notice_send(actor=SYSTEM, notice=elsewhere, now=daytime)
    next_year = services.notice_send(
        actor=secretary, notice=NoticeFactory(branch=branch), now=daytime.replace(year=2027)
    ).notice
    first.refresh_from_db()
    second.refresh_from_db()
    draft.refresh_from_db()
    assert (first.number, second.number, draft.number) == (1, 2, None)
    assert first.issue_label == "2026年第1期"
    assert Notice.objects.get(pk=elsewhere.pk).number == 1
    assert (next_year.year, next_year.number) == (2027, 1)


def test_a_notice_cannot_be_sent_twice(branch, secretary, daytime):
    MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch)
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    with pytest.raises(ValidationError):
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    assert Notice.objects.get(pk=notice.pk).number == 1


def test_only_the_committee_may_send(branch, liaison, stranger, daytime):
    notice = NoticeFactory(branch=branch)
    for user in (liaison, stranger):
        with pytest.raises(PermissionDenied):
            services.notice_send(actor=user, notice=notice, now=daytime)
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.DRAFT


def test_sending_writes_one_message_per_recipient_and_channel_with_names_filled_in(
    branch, secretary, daytime
):
    zhang = MemberFactory(branch=branch, name="张志远")
    MemberFactory(branch=branch, name="李秀英")
    MemberFactory(
        branch=branch,
        name="刘去世",
        status=Member.Status.DECEASED,
        status_changed_on=datetime.date(2025, 1, 1),
    )
    notice = NoticeFactory(branch=branch, send_branch_wechat=True)
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    sms = Message.objects.filter(notice=notice, channel=Channel.SMS)
    assert sorted(sms.values_list("recipient_name", flat=True)) == ["张志远", "李秀英"]
    assert sms.get(member=zhang).body.startswith("张志远同志：")
    group = Message.objects.get(notice=notice, channel=Channel.BRANCH_WECHAT)
    assert group.body.startswith("学习安排\n各位同志：")
    assert set(Message.objects.filter(notice=notice).values_list("status", flat=True)) == {"queued"}


def test_sms_written_in_quiet_hours_wait_until_eight_but_wechat_goes_at_once(branch, secretary):
    MemberFactory(branch=branch)
    late = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    notice = NoticeFactory(branch=branch, send_branch_wechat=True)
    services.notice_send(actor=secretary, notice=notice, now=late)
    sms = Message.objects.get(notice=notice, channel=Channel.SMS)
    wechat = Message.objects.get(notice=notice, channel=Channel.BRANCH_WECHAT)
    assert sms.not_before == datetime.datetime(2026, 3, 11, 8, 0, tzinfo=SHANGHAI)
    assert wechat.not_before == late


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        ((20, 59), (10, 20, 59)),
        ((21, 0), (11, 8, 0)),
        ((0, 15), (10, 8, 0)),
        ((7, 59), (10, 8, 0)),
        ((8, 0), (10, 8, 0)),
    ],
)
def test_quiet_hours_run_from_nine_in_the_evening_to_eight_in_the_morning(local_time, expected):
    moment = datetime.datetime(2026, 3, 10, *local_time, tzinfo=SHANGHAI)
    day, hour, minute = expected
    assert after_quiet_hours(moment) == datetime.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def test_opted_out_members_and_members_without_a_mobile_get_no_sms(branch, secretary, daytime):
    MemberFactory(branch=branch, name="王不要", sms_opt_out=True)
    MemberFactory(branch=branch, name="赵座机", phone="+861065551234")
    MemberFactory(branch=branch, name="钱无号", phone="")
    child = MemberFactory(branch=branch, name="孙子女", phone="", notice_phone="+8613811112222")
    notice = NoticeFactory(branch=branch, send_committee_wechat=True)
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    sms = Message.objects.filter(notice=notice, channel=Channel.SMS)
    assert list(sms.values_list("member", "to")) == [(child.pk, "+8613811112222")]
    assert Message.objects.filter(notice=notice, channel=Channel.COMMITTEE_WECHAT).count() == 1


def test_audiences_pick_groups_committee_care_categories_and_hand_picked_members(
    branch, secretary, liaison, daytime
):
    group = ContactGroupFactory(branch=branch, number=2, leader=liaison)
    in_group = MemberFactory(branch=branch, contact_group=group)
    committee_user = UserFactory()
    BranchRoleFactory(user=committee_user, branch=branch, role=BranchRole.Role.COMMITTEE)
    on_committee = MemberFactory(branch=branch, user=committee_user)
    ill = MemberFactory(
        branch=branch, condition=HealthRecord.Condition.HOSPITALISED, on=datetime.date(2026, 1, 1)
    )
    picked = MemberFactory(branch=branch)

    def recipients(**audience):
        notice = services.notice_create(actor=secretary, branch=branch, title="t", body="b", **audience)
        services.notice_send(actor=secretary, notice=notice, now=daytime)
        return set(Message.objects.filter(notice=notice).values_list("member", flat=True))

    assert recipients(audience=Notice.Audience.GROUPS, groups=[group]) == {in_group.pk}
    assert recipients(audience=Notice.Audience.COMMITTEE) == {on_committee.pk}
    care = [CareCategory.HOSPITALISED]
    assert recipients(audience=Notice.Audience.CARE, care_categories=care) == {ill.pk}
    assert recipients(audience=Notice.Audience.MEMBERS, members=[picked]) == {picked.pk}
    assert recipients(audience=Notice.Audience.BRANCH) == {in_group.pk, on_committee.pk, ill.pk, picked.pk}


def test_unknown_placeholders_are_refused(branch, secretary):
    with pytest.raises(ValidationError) as error:
        services.notice_create(actor=secretary, branch=branch, title="t", body="{名字}同志")
    assert "{名字}" in str(error.value)
    assert not Notice.objects.exists()


def test_a_scheduled_notice_gets_its_number_only_when_the_sweeper_sends_it(branch, secretary, daytime):
    MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch, scheduled_for=daytime + datetime.timedelta(hours=2))
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    notice.refresh_from_db()
    assert (notice.status, notice.number, notice.messages.count()) == ("scheduled", None, 0)
    services.outbox_sweep(now=daytime + datetime.timedelta(hours=1))
    assert Notice.objects.get(pk=notice.pk).status == "scheduled"
    services.outbox_sweep(now=daytime + datetime.timedelta(hours=2, minutes=1))
    notice.refresh_from_db()
    assert (notice.status, notice.number, notice.messages.count()) == ("sent", 1, 1)


def test_a_notice_taken_back_after_the_sweeper_listed_it_is_not_sent(branch, secretary, daytime):
    MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch, scheduled_for=daytime + datetime.timedelta(hours=2))
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    listed = Notice.objects.get(pk=notice.pk)  # what the sweeper read, still "scheduled"
    services.notice_cancel_schedule(actor=secretary, notice=notice)

    released = services.notice_release(notice=listed, now=daytime + datetime.timedelta(hours=2, minutes=1))

    notice.refresh_from_db()
    assert released.status == "draft"
    assert (notice.status, notice.number, notice.messages.count()) == ("draft", None, 0)


def test_notify_queues_each_recipient_once_per_occasion(
    branch, clock, eager_celery, django_capture_on_commit_callbacks
):
    members = [MemberFactory(branch=branch, name=f"成员{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(
            branch=branch, occasion="study-eve:2026-03-11", text="{姓名}同志：明天学习。", recipients=members
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = services.notify(
            branch=branch, occasion="study-eve:2026-03-11", text="{姓名}同志：明天学习。", recipients=members
        )
    assert (first.queued, again.queued, again.already) == (3, 0, 3)
    assert sorted(s.body for s in locmem.outbox) == [
        "成员0同志：明天学习。",
        "成员1同志：明天学习。",
        "成员2同志：明天学习。",
    ]
    assert Message.objects.filter(status=Message.Status.SENT).count() == 3


def test_the_outbox_refuses_a_second_row_with_the_same_key(branch):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    row = {
        "branch": branch,
        "channel": Channel.SMS,
        "recipient_name": "x",
        "body": "b",
        "idempotency_key": "birthday:2026:sms:member:1",
        "not_before": timezone.now(),
    }
    Message.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(**row)
    assert Message.objects.count() == 1


def test_notify_reaches_users_and_reports_who_cannot_get_an_sms(branch, liaison):
    liaison.phone = "+8613700001111"
    liaison.save()
    no_phone = UserFactory(phone="")
    opted_out = MemberFactory(branch=branch, sms_opt_out=True)
    result = services.notify(
        branch=branch,
        occasion="visit-digest:2026-W11",
        text="{姓名}：本周走访",
        recipients=[liaison, no_phone, opted_out],
    )
    assert result.queued == 1
    assert result.without_phone == [str(no_phone)]
    assert result.opted_out == [opted_out.name]
    message = Message.objects.get()
    assert (message.user, message.to, message.idempotency_key) == (
        liaison,
        "+8613700001111",
        f"visit-digest:2026-W11:sms:user:{liaison.pk}",
    )


def test_a_reminder_switched_off_queues_nothing(branch, secretary):
    services.reminder_settings_update(actor=secretary, branch=branch, study_day_before=False)
    result = services.notify(
        branch=branch,
        occasion="study-eve:x",
        text="t",
        recipients=[MemberFactory(branch=branch)],
        reminder="study_day_before",
    )
    assert result.switched_off
    assert not Message.objects.exists()
    assert ReminderSettings.objects.get(branch=branch).birthday_greeting is True


def test_birthday_greetings_go_to_solar_birthdays_today_once(branch):
    today = datetime.date(2026, 5, 1)
    born_today = MemberFactory(branch=branch, birth_date=datetime.date(1940, 5, 1))
    MemberFactory(branch=branch, birth_date=datetime.date(1940, 5, 1), lunar_birthday=True)
    MemberFactory(branch=branch, birth_date=datetime.date(1940, 5, 2))
    assert services.birthday_greetings_send(on=today) == 1
    assert services.birthday_greetings_send(on=today) == 0
    message = Message.objects.get()
    assert message.member == born_today
    assert "生日快乐" in message.body


def test_leap_day_birthdays_are_greeted_on_the_28th(branch):
    leap = MemberFactory(branch=branch, birth_date=datetime.date(1940, 2, 29))
    assert services.birthday_greetings_send(on=datetime.date(2026, 2, 28)) == 1
    assert Message.objects.get().member == leap


def test_the_sweeper_sends_messages_whose_dispatch_was_lost(
    branch, clock, eager_celery, django_capture_on_commit_callbacks
):
    MemberFactory(branch=branch)
    # No on-commit callbacks run here: as if the process died between commit and publish.
    services.notice_send(actor=SYSTEM, notice=NoticeFactory(branch=branch))
    assert services.outbox_sweep()["dispatched"] == 0  # dispatched a moment ago: not yet presumed lost
    clock.move(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep()["dispatched"] == 1
    assert Message.objects.get().status == "sent"
    assert len(locmem.outbox) == 1


def test_a_broker_that_is_down_does_not_break_sending_a_notice(
    branch, secretary, daytime, django_capture_on_commit_callbacks, caplog
):
    from branch_portal.celery import app

    MemberFactory(branch=branch)
    names = ["broker_url", "broker_write_url", "broker_read_url", "broker_connection_max_retries"]
    previous = {name: app.conf[name] for name in names}
    app.conf.update(dict.fromkeys(names[:3], "redis://127.0.0.1:1/0"), broker_connection_max_retries=0)
    app._after_fork()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.notice_send(
                actor=secretary, notice=NoticeFactory(branch=branch), now=daytime
            ).notice
    finally:
        app.conf.update(previous)
        app._after_fork()
    assert notice.status == "sent"
    assert Message.objects.get().status == "queued"  # the sweeper dispatches it once the broker is back
    assert any("in on_commit()" in record.getMessage() for record in caplog.records)  # publishing failed


NOBODY_IN_COMMITTEE = "这条通知没有人能收到：“支委会”中没有在册党员。请换一个发送对象。"


def _nobody_numbered_or_messaged(branch) -> None:
    assert not Notice.objects.filter(branch=branch, number__isnull=False).exists()
    assert not Message.objects.exists()


def test_a_notice_to_a_committee_without_member_records_is_refused_and_takes_no_number(
    branch, secretary, committee, daytime
):
    MemberFactory(branch=branch)  # a member, but not on the committee
    notice = NoticeFactory(branch=branch, audience=Notice.Audience.COMMITTEE)
    with pytest.raises(ValidationError) as error:
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    assert error.value.messages == [NOBODY_IN_COMMITTEE]
    notice.refresh_from_db()
    assert (notice.status, notice.number) == ("draft", None)
    _nobody_numbered_or_messaged(branch)
    # The next notice that reaches someone is issue 1: nothing was used up.
    sent = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime).notice
    assert sent.number == 1


def test_a_contact_group_without_active_members_is_refused(branch, secretary, group, daytime):
    MemberFactory(
        branch=branch,
        contact_group=group,
        status=Member.Status.DECEASED,
        status_changed_on=datetime.date(2025, 1, 1),
    )
    notice = services.notice_create(
        actor=secretary, branch=branch, title="t", body="b", audience=Notice.Audience.GROUPS, groups=[group]
    )
    with pytest.raises(ValidationError) as error:
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    assert error.value.code == Notice.Unsent.NO_RECIPIENTS
    _nobody_numbered_or_messaged(branch)


def test_an_audience_without_a_usable_mobile_is_not_refused_but_phoned(branch, secretary, daytime):
    MemberFactory(branch=branch, name="王不要", sms_opt_out=True)
    MemberFactory(branch=branch, name="赵座机", phone="+861065551234")
    notice = NoticeFactory(branch=branch)
    sent = services.notice_send(actor=secretary, notice=notice, now=daytime).notice
    assert (sent.status, sent.number, Message.objects.count()) == ("sent", 1, 0)
    assert sorted(sent.calls.values_list("member__name", flat=True)) == ["王不要", "赵座机"]


def test_with_a_wechat_group_chosen_the_notice_goes_even_when_no_sms_can(branch, secretary, daytime):
    MemberFactory(branch=branch, sms_opt_out=True)
    notice = NoticeFactory(branch=branch, audience=Notice.Audience.COMMITTEE, send_committee_wechat=True)
    sent = services.notice_send(actor=secretary, notice=notice, now=daytime).notice
    assert (sent.number, list(Message.objects.values_list("channel", flat=True))) == (1, ["committee_wechat"])


def test_a_notice_to_nobody_cannot_be_scheduled_either(branch, secretary, daytime):
    notice = NoticeFactory(branch=branch, scheduled_for=daytime + datetime.timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    assert error.value.code == Notice.Unsent.NO_RECIPIENTS
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.DRAFT


def test_a_scheduled_notice_whose_audience_emptied_goes_back_to_draft_with_the_reason(
    branch, secretary, daytime
):
    member = MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch, scheduled_for=daytime + datetime.timedelta(hours=2))
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    # Before its time comes, the only recipient transfers out.
    member.status, member.status_changed_on = Member.Status.TRANSFERRED, daytime.date()
    member.save(update_fields=["status", "status_changed_on"])

    swept = services.outbox_sweep(now=daytime + datetime.timedelta(hours=2, minutes=1))
    notice.refresh_from_db()
    assert swept["released"] == 0
    assert (notice.status, notice.number, notice.unsent_reason) == ("draft", None, "no_recipients")
    _nobody_numbered_or_messaged(branch)
    # Not tried again every minute, and sent normally once someone can get it.
    services.outbox_sweep(now=daytime + datetime.timedelta(hours=2, minutes=2))
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.DRAFT
    member.status, member.status_changed_on = Member.Status.ACTIVE, None
    member.save(update_fields=["status", "status_changed_on"])
    sent = services.notice_send(
        actor=secretary, notice=notice, now=daytime + datetime.timedelta(hours=3)
    ).notice
    sent.refresh_from_db()
    assert (sent.status, sent.number, sent.unsent_reason, sent.messages.count()) == ("sent", 1, "", 1)
