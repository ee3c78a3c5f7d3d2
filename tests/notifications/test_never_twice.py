"""Never twice: a message an earlier attempt may have delivered is sent again only when the provider,
asked, answers completely that it does not have it. Against the local stubs of both providers."""

import datetime
import json

import pytest

from notifications.delivery import messages_deliver
from notifications.models import Message
from notifications.services import outbox_sweep

from .providers import use
from .test_transports import queue_sms

pytestmark = pytest.mark.django_db


def crash_while_sending(pk, clock):
    """The state a worker killed mid-send leaves behind, once the sweeper took the claim back."""
    Message.objects.filter(pk=pk).update(status="sending", claimed_at=clock.now, attempts=1)
    clock.move(minutes=15)
    assert outbox_sweep()["requeued"] == 1


def actions(stub) -> list[str]:
    return [r["Action"] for r in stub.requests]


def message():
    return Message.objects.get()


@pytest.mark.parametrize(
    "broken",
    [
        {"query_status": 500},
        {"query_status": 502},
        {"query_answer": {"Code": "OK", "RequestId": "r"}},  # no records at all
        {"query_answer": {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": []}}},  # no TotalCount
        {"query_answer": {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "查询太频繁"}},
    ],
    ids=["500", "502", "no records", "no total", "refused"],
)
def test_a_failed_query_holds_the_message_and_asks_again_later(branch, clock, aliyun, broken):
    [pk] = queue_sms(branch, "+8613900000001")
    crash_while_sending(pk, clock)
    for name, value in broken.items():
        setattr(aliyun, name, value)
    messages_deliver(message_ids=[pk])
    held = message()
    assert (held.status, held.verify_before_send) == ("queued", True)
    assert held.last_error.startswith("QuerySendDetails:")
    assert "SendBatchSms" not in actions(aliyun)
    assert aliyun.received == {}
    wait = (held.not_before - clock.now).total_seconds()
    assert wait > 0
    assert messages_deliver(message_ids=[pk]) == 0  # waits its backoff
    # The provider answers again, and has never seen the message: only now is it sent.
    aliyun.query_status, aliyun.query_answer = 200, None
    clock.move(seconds=wait)
    messages_deliver(message_ids=[pk])
    assert (message().status, aliyun.received) == ("sent", {"13900000001": 1})


def test_a_message_the_provider_had_all_along_is_recorded_sent_once_the_query_answers(branch, clock, aliyun):
    [pk] = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=[pk])  # delivered; then the worker "dies" before recording
    crash_while_sending(pk, clock)
    aliyun.query_status = 500
    for _attempt in range(3):
        messages_deliver(message_ids=[pk])
        clock.move(hours=1)
    assert message().status == "queued"
    aliyun.query_status = 200
    messages_deliver(message_ids=[pk])
    assert (message().status, message().provider_message_id) == ("sent", "receipt")
    assert aliyun.received == {"13900000001": 1}
    assert actions(aliyun).count("SendBatchSms") == 1


def test_a_provider_that_never_answers_the_query_fails_the_message_without_sending_it_twice(
    branch, clock, aliyun, settings
):
    [pk] = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=[pk])
    crash_while_sending(pk, clock)
    aliyun.query_status = 500
    for _attempt in range(settings.NOTIFICATIONS["MAX_ATTEMPTS"] + 2):
        messages_deliver(message_ids=[pk])
        clock.move(hours=2)
    # The attempts are used up, but the message was attempted less than a day ago: still asked about.
    assert message().status == "queued"
    assert message().attempts > settings.NOTIFICATIONS["MAX_ATTEMPTS"]
    clock.move(hours=9)
    messages_deliver(message_ids=[pk])  # a day and more since the attempt, and still no answer
    failed = message()
    assert (failed.status, failed.verify_before_send) == ("failed", True)
    assert failed.last_error.startswith("服务商无法确认是否已收下这条短信")
    # The secretary sends the failed messages again: the provider is asked first, and has it.
    aliyun.query_status = 200
    Message.objects.filter(pk=pk).update(status="queued", attempts=0, not_before=clock.now)  # as retry does
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 1}


def test_a_timeout_then_not_found_waits_for_the_providers_records_before_sending_again(
    branch, clock, aliyun, settings
):
    use(settings, CHECK_SETTLE_SECONDS=60, RETRY_BASE_SECONDS=10)
    [pk] = queue_sms(branch, "+8613900000001")
    # An attempt that got no answer:
    Message.objects.filter(pk=pk).update(verify_before_send=True, claimed_at=clock.now)
    clock.move(seconds=10)
    messages_deliver(message_ids=[pk])
    held = message()
    assert (held.status, held.attempts) == ("queued", 0)  # waiting for the records costs no attempt
    assert held.not_before == clock.now + datetime.timedelta(seconds=50)
    assert aliyun.received == {}
    clock.move(seconds=50)
    messages_deliver(message_ids=[pk])
    assert (message().status, aliyun.received) == ("sent", {"13900000001": 1})


def test_the_match_reads_the_template_text_around_the_content(branch, clock, aliyun, settings):
    template = "尊敬的党员：${content}（回复T退订）"
    aliyun.template = template
    use(settings, SMS_TEMPLATE_TEXT=template)
    [pk] = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=[pk])
    kept = "【第16党支部】尊敬的党员：成员0同志：明天上午9点学习。（回复T退订）"
    assert aliyun.texts["13900000001"] == [kept]
    crash_while_sending(pk, clock)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 1}


def test_a_template_text_the_portal_does_not_know_is_not_taken_for_this_message(branch, clock, aliyun):
    """Another text to the same number (the same body in another template) is not this message."""
    aliyun.template = "${content}回T退订"
    [pk] = queue_sms(branch, "+8613900000001")
    aliyun.take(["13900000001"], ["第16党支部"], [{"content": "成员0同志：明天上午9点"}])
    crash_while_sending(pk, clock)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 2}


def test_the_same_text_sent_before_the_message_was_written_is_not_it(branch, clock, aliyun):
    aliyun.take(["13900000001"], ["第16党支部"], [{"content": "成员0同志：明天上午9点学习。"}])  # at 10:00
    clock.move(hours=2)
    [pk] = queue_sms(branch, "+8613900000001")
    crash_while_sending(pk, clock)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 2}


def test_a_message_written_yesterday_is_looked_for_yesterday_and_today(branch, clock, aliyun):
    clock.move(hours=10, minutes=59)  # 20:59 Beijing time
    [pk] = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=[pk])
    crash_while_sending(pk, clock)  # 21:14
    clock.move(hours=11)  # 08:14 the next day
    messages_deliver(message_ids=[pk])
    days = [r["SendDate"] for r in aliyun.requests if r["Action"] == "QuerySendDetails"]
    assert days == ["20260311", "20260310"]
    assert (message().status, aliyun.received) == ("sent", {"13900000001": 1})


def test_records_over_several_pages_are_all_read(branch, clock, aliyun):
    [pk] = queue_sms(branch, "+8613900000001")
    others = [{"content": f"别的通知{i}"} for i in range(120)]
    aliyun.take(["13900000001"] * 120, ["第16党支部"] * 120, others)
    messages_deliver(message_ids=[pk])
    crash_while_sending(pk, clock)
    messages_deliver(message_ids=[pk])
    pages = [r["CurrentPage"] for r in aliyun.requests if r["Action"] == "QuerySendDetails"]
    assert pages == ["1", "2", "3"]
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 121}


def test_a_send_answered_with_a_server_error_is_asked_about_before_it_is_sent_again(branch, clock, aliyun):
    """A gateway may answer 502 after the provider took the request."""
    [pk] = queue_sms(branch, "+8613900000001")
    aliyun.take(["13900000001"], ["第16党支部"], [{"content": "成员0同志：明天上午9点学习。"}])
    aliyun.status = 502
    messages_deliver(message_ids=[pk])
    assert (message().status, message().verify_before_send) == ("queued", True)
    aliyun.status = 200
    clock.move(minutes=5)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert actions(aliyun) == ["SendBatchSms", "QuerySendDetails"]
    assert aliyun.received == {"13900000001": 1}


def test_tencent_holds_a_message_when_the_receipt_query_fails(branch, clock, tencent):
    [pk] = queue_sms(branch, "+8613900000001", text="明天学习。")
    crash_while_sending(pk, clock)
    tencent.query_status = 500
    messages_deliver(message_ids=[pk])
    assert (message().status, message().verify_before_send) == ("queued", True)
    tencent.query_status, tencent.query_answer = 200, {"Response": {"RequestId": "r"}}  # no receipts
    clock.move(hours=1)
    messages_deliver(message_ids=[pk])
    assert message().status == "queued"
    tencent.query_answer = None
    clock.move(hours=1)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    sends = [r for r in tencent.requests if "PhoneNumberSet" in r]
    assert len(sends) == 1
    assert tencent.accepted == {("+8613900000001", "明天学习。"): 1}


def test_tencent_finds_a_message_it_took_before_the_crash(branch, clock, tencent):
    [pk] = queue_sms(branch, "+8613900000001", text="明天学习。")
    messages_deliver(message_ids=[pk])
    crash_while_sending(pk, clock)
    tencent.query_status = 500
    messages_deliver(message_ids=[pk])
    tencent.query_status = 200
    clock.move(hours=1)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert tencent.accepted == {("+8613900000001", "明天学习。"): 1}


def test_the_stub_keeps_what_query_send_details_shows(branch, clock, aliyun):
    """The stub itself: records carry the signature, the template text and the send date."""
    aliyun.template = "前${content}后"
    aliyun.take(["13900000001"], ["签名"], [{"content": "正文"}])
    response = aliyun.details({"PhoneNumber": "13900000001", "SendDate": "20260310"})
    [record] = json.loads(response.get_data())["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (record["Content"], record["SendDate"]) == ("【签名】前正文后", "2026-03-10 10:00:00")


def test_tencent_believes_no_receipt_only_ten_minutes_after_the_attempt(branch, clock, tencent, settings):
    use(settings, CHECK_SETTLE_SECONDS=60)
    [pk] = queue_sms(branch, "+8613900000001", text="明天学习。")
    # An attempt that got no answer, two minutes ago:
    Message.objects.filter(pk=pk).update(verify_before_send=True, claimed_at=clock.now)
    clock.move(minutes=2)
    messages_deliver(message_ids=[pk])
    held = message()
    assert (held.status, held.attempts) == ("queued", 0)
    assert held.not_before == clock.now + datetime.timedelta(minutes=8)
    assert not [r for r in tencent.requests if "PhoneNumberSet" in r]
    clock.move(minutes=8)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert tencent.accepted == {("+8613900000001", "明天学习。"): 1}


def test_an_aliyun_system_error_is_asked_about_before_sending_again(branch, clock, aliyun):
    [pk] = queue_sms(branch, "+8613900000001")
    aliyun.take(["13900000001"], ["第16党支部"], [{"content": "成员0同志：明天上午9点学习。"}])
    aliyun.code = "isp.SYSTEM_ERROR"  # its system failed after taking the message
    messages_deliver(message_ids=[pk])
    assert (message().status, message().verify_before_send) == ("queued", True)
    aliyun.code = "OK"
    clock.move(minutes=5)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert aliyun.received == {"13900000001": 1}


def test_a_tencent_internal_error_is_asked_about_before_sending_again(branch, clock, tencent):
    [pk] = queue_sms(branch, "+8613900000001", text="明天学习。")
    messages_deliver(message_ids=[pk])  # taken, with its receipt
    # Its answer "lost" (the message queued again, as if never sent), the next try meets an internal
    # error, which may come after Tencent took a request: the message is asked about before any resend.
    Message.objects.filter(pk=pk).update(status="queued", not_before=clock.now)
    tencent.error = "InternalError.Timeout"
    messages_deliver(message_ids=[pk])
    assert (message().status, message().verify_before_send) == ("queued", True)
    tencent.error = ""
    clock.move(hours=1)
    messages_deliver(message_ids=[pk])
    assert message().status == "sent"
    assert tencent.accepted == {("+8613900000001", "明天学习。"): 1}
