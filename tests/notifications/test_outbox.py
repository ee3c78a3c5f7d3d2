"""The one way into the outbox: notices and reminders share its keys and rules, and the keys are those a
deployed database already holds, so nothing sent before an upgrade is sent again after it."""

import pytest

from members.models import FamilyProxy, Member
from notifications import services
from notifications.models import Channel, Message
from notifications.transports import locmem
from tests.factories import MemberFactory, UserFactory

from .factories import NoticeFactory
from .providers import use

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(branch):
    """A member whose daughter gets their SMS too, and a member marked as needing a call."""
    member = MemberFactory(branch=branch, name="周桂兰")
    daughter = FamilyProxy.objects.create(member=member, name="周女", relation="女儿", phone="+8613622226666")
    needs_call = MemberFactory(branch=branch, name="钱眼花", needs_call=True)
    return member, daughter, needs_call


def old_row(branch, key: str, channel: str = Channel.SMS, **fields) -> Message:
    """A message as the portal wrote it before the upgrade, long since sent."""
    return Message.objects.create(
        branch=branch,
        channel=channel,
        idempotency_key=key,
        recipient_name="x",
        body="x",
        status="sent",
        **fields,
    )


def test_a_reminder_sent_before_the_upgrade_is_not_queued_again(branch, household, clock, eager_celery):
    member, daughter, _needs_call = household
    carer = UserFactory(phone="+8613900009999")  # a user with no member row: keyed as a user
    occasion = "study-eve:2026-03-11"
    for key in (
        f"{occasion}:sms:member:{member.pk}",
        f"{occasion}:sms:proxy:{daughter.pk}",
        f"{occasion}:sms:user:{carer.pk}",
        f"{occasion}:branch_wechat",
    ):
        old_row(branch, key, not_before=clock.now)

    result = services.notify(
        branch=branch,
        occasion=occasion,
        text="{姓名}同志：明天上午9点学习。",
        recipients=[member, carer],
        channels=[Channel.SMS, Channel.BRANCH_WECHAT],
    )

    assert (result.queued, result.already) == (0, 4)
    assert Message.objects.count() == 4
    assert locmem.outbox == []


def test_a_notice_and_a_reminder_key_their_rows_as_deployed_databases_do(
    branch, secretary, household, daytime, settings
):
    use(settings, VOICE_BACKEND="aliyun_voice")
    member, daughter, needs_call = household
    notice = NoticeFactory(branch=branch, send_branch_wechat=True)
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    services.notify(
        branch=branch, occasion="birthday:2026", text="{姓名}同志：生日快乐！", recipients=[member]
    )

    keys = set(Message.objects.values_list("idempotency_key", flat=True))
    assert keys == {
        f"notice:{notice.pk}:sms:member:{member.pk}",
        f"notice:{notice.pk}:sms:proxy:{daughter.pk}",
        f"notice:{notice.pk}:sms:member:{needs_call.pk}",
        f"notice:{notice.pk}:voice:member:{needs_call.pk}",
        f"notice:{notice.pk}:branch_wechat",
        f"birthday:2026:sms:member:{member.pk}",
        f"birthday:2026:sms:proxy:{daughter.pk}",
    }


def test_notices_and_reminders_skip_the_same_recipients(branch, secretary, daytime):
    """Opt-out and unusable numbers are one rule: a notice and a reminder leave out the same members."""
    reads = MemberFactory(branch=branch, name="张能看")
    MemberFactory(branch=branch, name="王不要", sms_opt_out=True)
    MemberFactory(branch=branch, name="赵座机", phone="+861065551234")
    everyone = Member.objects.in_branch(branch).order_by("name_pinyin", "id")

    sent = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime)
    reminded = services.notify(branch=branch, occasion="test", text="{姓名}", recipients=everyone)

    notice_sms = Message.objects.filter(notice=sent.notice).values_list("member__name", flat=True)
    reminder_sms = Message.objects.filter(idempotency_key__startswith="test:").values_list(
        "member__name", flat=True
    )
    assert list(notice_sms) == list(reminder_sms) == [reads.name]
    assert (sent.without_phone, sent.opted_out) == (reminded.without_phone, reminded.opted_out)
