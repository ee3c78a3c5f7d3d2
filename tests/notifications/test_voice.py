"""The voice channel: a notice read aloud by Alibaba Cloud SingleCallByTts to members who cannot read SMS,
through the same outbox (one Message per member and notice, idempotency, quiet hours, never twice)."""

import datetime

import pytest

from notifications import services
from notifications.delivery import messages_deliver, messages_retry_failed
from notifications.models import Call, Channel, Message
from tests.factories import MemberFactory

from . import stubs
from .conftest import SHANGHAI
from .factories import NoticeFactory
from .providers import use

pytestmark = pytest.mark.django_db

TEXT = "{姓名}同志：明天上午9点在活动中心学习。"


@pytest.fixture
def readers(branch, group):
    return {
        "eyesight": MemberFactory(branch=branch, name="钱眼花", contact_group=group, needs_call=True),
        "landline": MemberFactory(
            branch=branch, name="赵座机", contact_group=group, phone="", phone_alt="+861065551234"
        ),
        "opted_out": MemberFactory(branch=branch, name="王不要", contact_group=group, sms_opt_out=True),
        "reads": MemberFactory(branch=branch, name="张能看", contact_group=group),
    }


def send(branch, secretary, now):
    notice = NoticeFactory(branch=branch, body=TEXT)
    return services.notice_send(actor=secretary, notice=notice, now=now).notice


def voice_ids(notice) -> list[int]:
    return list(Message.objects.filter(notice=notice, channel=Channel.VOICE).values_list("pk", flat=True))


def test_members_who_cannot_read_sms_get_the_notice_read_aloud_once(branch, secretary, readers, voice, clock):
    notice = send(branch, secretary, clock.now)
    rows = Message.objects.filter(notice=notice, channel=Channel.VOICE).order_by("recipient_name")
    assert [(m.recipient_name, m.to) for m in rows] == [
        ("赵座机", "+861065551234"),
        ("钱眼花", readers["eyesight"].phone.as_e164),
    ]
    messages_deliver(message_ids=voice_ids(notice))
    messages_deliver(message_ids=voice_ids(notice))  # a second worker, a redelivered task
    services.notice_issue(notice=notice, now=clock.now)  # the send repeated

    assert voice.calls == {
        ("01065551234", "赵座机同志：明天上午9点在活动中心学习。"): 1,
        (readers["eyesight"].phone.as_e164.removeprefix("+86"), "钱眼花同志：明天上午9点在活动中心学习。"): 1,
    }
    assert {r["TtsCode"] for r in voice.requests} == {"TTS_10001"}
    sent = Message.objects.filter(notice=notice, channel=Channel.VOICE)
    assert {(m.status, m.provider_message_id[:3]) for m in sent} == {("sent", "116")}
    # The group leader still phones them: a recording may not be taken in.
    assert set(Call.objects.filter(notice=notice).values_list("member__name", flat=True)) == {
        "钱眼花",
        "赵座机",
        "王不要",
    }


def test_no_voice_call_without_a_voice_backend_or_for_who_asked_for_no_messages(
    branch, secretary, readers, settings, clock
):
    notice = send(branch, secretary, clock.now)
    assert not voice_ids(notice)  # VOICE_BACKEND is off by default
    use(settings, VOICE_BACKEND="console")
    notice = send(branch, secretary, clock.now)
    called = Message.objects.filter(notice=notice, channel=Channel.VOICE)
    assert sorted(called.values_list("member__name", flat=True)) == ["赵座机", "钱眼花"]


def test_a_voice_call_waits_out_quiet_hours(branch, secretary, readers, voice, clock):
    late = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    notice = send(branch, secretary, late)
    morning = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=SHANGHAI)
    voice_rows = Message.objects.filter(notice=notice, channel=Channel.VOICE)
    assert set(voice_rows.values_list("not_before", flat=True)) == {morning}
    assert set(voice_rows.values_list("status", flat=True)) == {"queued"}
    assert not voice.requests


def test_a_call_without_an_answer_is_never_rung_twice(branch, secretary, readers, voice, clock):
    notice = send(branch, secretary, clock.now)
    ids = voice_ids(notice)
    voice.status = 502  # the gateway answered, the provider may have rung
    messages_deliver(message_ids=ids)
    voice.status = 200
    for _ in range(3):
        clock.move(hours=1)
        messages_deliver(message_ids=ids)
    assert len(voice.requests) == len(ids)  # each rung at most once
    held = Message.objects.filter(pk__in=ids)
    assert set(held.values_list("status", "verify_before_send")) == {("queued", True)}


def test_a_refused_signature_fails_the_call_at_once(branch, secretary, readers, voice, settings, clock):
    use(settings, ALIYUN_ACCESS_KEY_SECRET="wrong-secret")
    notice = send(branch, secretary, clock.now)
    messages_deliver(message_ids=voice_ids(notice))
    failed = Message.objects.filter(notice=notice, channel=Channel.VOICE)
    assert set(failed.values_list("status", flat=True)) == {"failed"}
    assert all("SignatureDoesNotMatch" in m.last_error for m in failed)
    assert not voice.calls


def test_a_failed_call_sent_again_at_night_waits_for_the_morning(
    branch, secretary, readers, voice, settings, clock, django_capture_on_commit_callbacks
):
    use(settings, ALIYUN_ACCESS_KEY_SECRET="wrong-secret")
    notice = send(branch, secretary, clock.now)
    messages_deliver(message_ids=voice_ids(notice))
    use(settings, ALIYUN_ACCESS_KEY_SECRET=stubs.ALIYUN_SECRET)
    clock.now = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks() as published:
        assert messages_retry_failed(notice=notice) == 2
    calls = Message.objects.filter(notice=notice, channel=Channel.VOICE)
    morning = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=SHANGHAI)
    assert set(calls.values_list("status", "not_before")) == {("queued", morning)}
    assert published == [] and not voice.calls
