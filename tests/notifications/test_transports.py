"""Each real backend against a local stub of its provider: request format, signature, errors, retries."""

import json
import time

import pytest

from notifications import services
from notifications.delivery import messages_deliver
from notifications.models import Channel, Message
from notifications.services import outbox_sweep
from notifications.transports.aliyun import sign
from tests.factories import MemberFactory

from . import stubs
from .providers import use

pytestmark = pytest.mark.django_db


def queue_sms(branch, *phones, text="{姓名}同志：明天上午9点学习。"):
    members = [MemberFactory(branch=branch, name=f"成员{i}", phone=phone) for i, phone in enumerate(phones)]
    services.notify(branch=branch, occasion="test", text=text, recipients=members)
    return list(Message.objects.order_by("pk").values_list("pk", flat=True))


def statuses():
    return dict(Message.objects.filter(channel=Channel.SMS).values_list("to", "status"))


def test_the_rpc_signature_matches_alibaba_clouds_documented_example():
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sign(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_sends_a_signed_send_batch_sms_with_a_text_per_number(branch, clock, aliyun):
    ids = queue_sms(branch, "+8613900000001", "+8613900000002")
    assert messages_deliver(message_ids=ids) == 2
    [request] = aliyun.requests
    assert request["Action"] == "SendBatchSms" and request["Version"] == "2017-05-25"
    assert json.loads(request["PhoneNumberJson"]) == ["13900000001", "13900000002"]
    assert json.loads(request["SignNameJson"]) == ["第16党支部", "第16党支部"]
    assert json.loads(request["TemplateParamJson"])[1] == {"content": "成员1同志：明天上午9点学习。"}
    assert set(statuses().values()) == {"sent"}
    assert set(Message.objects.values_list("provider_message_id", flat=True)) == {"biz1"}


def test_aliyun_sends_at_most_100_numbers_per_request(branch, clock, aliyun):
    ids = queue_sms(branch, *[f"+86139{i:08d}" for i in range(150)])
    messages_deliver(message_ids=ids)
    assert [len(json.loads(r["PhoneNumberJson"])) for r in aliyun.requests] == [100, 50]
    assert sum(aliyun.received.values()) == 150


def test_aliyun_business_errors_fail_at_once_with_the_providers_reason(branch, clock, aliyun):
    aliyun.code = "isv.BLACK_KEY_CONTROL_LIMIT"
    ids = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=ids)
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "isv.BLACK_KEY_CONTROL_LIMIT: stub says no"


def test_aliyun_one_bad_number_in_a_batch_fails_alone(branch, clock, aliyun):
    aliyun.bad_numbers = {"13900000002"}
    ids = queue_sms(branch, "+8613900000001", "+8613900000002", "+8613900000003")
    messages_deliver(message_ids=ids)
    assert statuses() == {"+8613900000001": "sent", "+8613900000002": "failed", "+8613900000003": "sent"}
    assert Message.objects.get(to="+8613900000002").last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    assert aliyun.received == {"13900000001": 1, "13900000003": 1}


def test_server_errors_retry_with_growing_waits_until_they_succeed(branch, clock, aliyun):
    aliyun.status = 503
    ids = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=ids)
    message = Message.objects.get()
    assert (message.status, message.attempts, message.last_error[:8]) == ("queued", 1, "HTTP 503")
    first_wait = message.not_before - clock.now
    assert messages_deliver(message_ids=ids) == 0  # not due yet
    clock.move(seconds=first_wait.total_seconds())
    messages_deliver(message_ids=ids)
    message.refresh_from_db()
    assert (message.not_before - clock.now) == 2 * first_wait
    aliyun.status = 200
    clock.move(seconds=(message.not_before - clock.now).total_seconds())
    messages_deliver(message_ids=ids)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert aliyun.received == {"13900000001": 1}


def test_transient_errors_fail_the_message_after_the_last_attempt_and_a_day_of_asking(
    branch, clock, aliyun, settings
):
    """A 500 may come after the provider took the message: the retries ask first, and while the
    provider cannot answer either the message is held, and fails only a day after its last attempt."""
    aliyun.status = 500
    ids = queue_sms(branch, "+8613900000001")
    for _ in range(settings.NOTIFICATIONS["MAX_ATTEMPTS"]):
        messages_deliver(message_ids=ids)
        clock.move(hours=1)
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("queued", settings.NOTIFICATIONS["MAX_ATTEMPTS"])
    clock.move(hours=24)
    messages_deliver(message_ids=ids)
    message.refresh_from_db()
    assert (message.status, message.verify_before_send) == ("failed", True)
    assert [r["Action"] for r in aliyun.requests].count("SendBatchSms") == 1


def test_a_provider_that_does_not_answer_in_time_is_retried(branch, clock, serve_stub):
    def slow(request):
        time.sleep(1.5)
        return stubs.json_response({"Code": "OK", "BizId": "late"})

    serve_stub(
        slow,
        "ALIYUN_SMS_ENDPOINT",
        SMS_BACKEND="notifications.transports.aliyun.AliyunSmsTransport",
        HTTP_TIMEOUT=0.5,
    )
    messages_deliver(message_ids=queue_sms(branch, "+8613900000001"))
    message = Message.objects.get()
    assert (message.status, message.verify_before_send) == ("queued", True)
    assert "timed out" in message.last_error


def test_tencent_sends_a_signed_send_sms_and_reads_each_numbers_result(branch, clock, tencent):
    tencent.number_codes = {
        "+8613900000002": "InvalidParameterValue.IncorrectPhoneNumber",
        "+8613900000003": "LimitExceeded.PhoneNumberDailyLimit",
    }
    ids = queue_sms(branch, "+8613900000001", "+8613900000002", "+8613900000003", text="明天上午9点学习。")
    messages_deliver(message_ids=ids)
    [request] = tencent.requests
    assert request["PhoneNumberSet"] == ["+8613900000001", "+8613900000002", "+8613900000003"]
    assert (request["SmsSdkAppId"], request["TemplateId"], request["SignName"]) == (
        "1400000000",
        "100001",
        "第16党支部",
    )
    assert request["TemplateParamSet"] == ["明天上午9点学习。"]
    assert statuses() == {"+8613900000001": "sent", "+8613900000002": "failed", "+8613900000003": "failed"}
    assert Message.objects.get(to="+8613900000001").provider_message_id == "serial-1-0"
    assert Message.objects.get(to="+8613900000003").last_error == (
        "已达到服务商对这个手机号每小时或每天的短信条数上限。请明天再重发失败的短信。"
        "（LimitExceeded.PhoneNumberDailyLimit: stub refuses）"
    )


def test_tencent_sends_one_request_per_text_and_at_most_200_numbers(branch, clock, tencent):
    ids = queue_sms(branch, *[f"+86139{i:08d}" for i in range(250)], text="明天学习。")
    ids += queue_sms(branch, "+8613812345678", text="{姓名}同志：明天学习。")[-1:]
    messages_deliver(message_ids=ids)
    assert sorted(len(r["PhoneNumberSet"]) for r in tencent.requests) == [1, 50, 200]
    assert set(statuses().values()) == {"sent"}


def test_tencent_signature_failures_are_permanent(branch, clock, tencent, settings):
    use(settings, TENCENT_SECRET_KEY="wrong")
    messages_deliver(message_ids=queue_sms(branch, "+8613900000001"))
    message = Message.objects.get()
    assert (message.status, message.last_error) == ("failed", "AuthFailure.SignatureFailure: stub")


def test_wecom_posts_text_to_the_branch_robot_and_fails_a_bad_key_for_good(branch, clock, wecom):
    services.notify(
        branch=branch,
        occasion="flood",
        text="{姓名}同志：暴雨预警，请勿外出。",
        channels=[Channel.BRANCH_WECHAT, Channel.COMMITTEE_WECHAT],
    )
    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))
    assert wecom.posts == [{"msgtype": "text", "text": {"content": "各位同志：暴雨预警，请勿外出。"}}]
    assert dict(Message.objects.values_list("channel", "status")) == {
        "branch_wechat": "sent",
        "committee_wechat": "failed",
    }
    assert Message.objects.get(channel="committee_wechat").last_error == "93000: invalid webhook url"


def test_wecom_sends_a_long_text_as_numbered_plain_text_parts_never_markdown(branch, clock, wecom):
    text = "第一段：**不是粗体** [不是链接](http://evil.example)。\n" + "学" * 600 + "。\n" + "习" * 600
    services.notify(branch=branch, occasion="long", text=text, channels=[Channel.BRANCH_WECHAT])
    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))
    assert {post["msgtype"] for post in wecom.posts} == {"text"}
    parts = [post["text"]["content"] for post in wecom.posts]
    assert len(parts) == 2
    assert all(len(part.encode()) <= 2048 for part in parts)
    assert parts[0].startswith("（1/2）\n第一段：**不是粗体** [不是链接](http://evil.example)。\n")
    assert parts[1] == "（2/2）\n" + "习" * 600  # cut at the line break
    assert "".join(part.split("\n", 1)[1] for part in parts) == text
    assert Message.objects.get().status == "sent"


def test_a_long_wecom_text_that_fails_half_way_resumes_at_the_part_that_failed(branch, clock, wecom):
    services.notify(branch=branch, occasion="long", text="学" * 1500, channels=[Channel.BRANCH_WECHAT])
    ids = list(Message.objects.values_list("pk", flat=True))
    wecom.script = [0, -1]  # the first part goes, the second meets "system busy"
    messages_deliver(message_ids=ids)
    message = Message.objects.get()
    assert (message.status, message.provider_message_id) == ("queued", "parts:1/3")
    clock.move(minutes=5)
    messages_deliver(message_ids=ids)
    assert [post["text"]["content"][:5] for post in wecom.delivered] == ["（1/3）", "（2/3）", "（3/3）"]
    assert Message.objects.get().status == "sent"


def test_wecom_rate_limit_answer_retries_after_a_minute(branch, clock, wecom):
    wecom.errcode = 45009
    services.notify(branch=branch, occasion="x", text="t", channels=[Channel.BRANCH_WECHAT])
    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))
    message = Message.objects.get()
    assert message.status == "queued"
    assert (message.not_before - clock.now).total_seconds() == 60


def test_wecom_robot_takes_at_most_20_messages_a_minute(branch, clock, wecom, monkeypatch):
    monkeypatch.setattr("notifications.transports.wecom.time.time", lambda: 1_800_000_000.0)
    for i in range(22):
        services.notify(branch=branch, occasion=f"n{i}", text=f"第{i}条", channels=[Channel.BRANCH_WECHAT])
    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))
    assert len(wecom.posts) == 20
    waiting = Message.objects.filter(status="queued")
    assert waiting.count() == 2
    assert {m.last_error for m in waiting} == {"over 20 messages this minute"}


def test_backends_are_chosen_by_short_name_or_dotted_path(settings):
    from notifications.transports import get_transport
    from notifications.transports.tencent import TencentSmsTransport
    from notifications.transports.wecom import WeComRobotTransport

    use(settings, SMS_BACKEND="tencent", WECHAT_BACKEND="notifications.transports.wecom.WeComRobotTransport")
    assert isinstance(get_transport(Channel.SMS), TencentSmsTransport)
    assert isinstance(get_transport(Channel.COMMITTEE_WECHAT), WeComRobotTransport)


def _crash_while_sending(message_pk, clock):
    """The state a worker killed mid-send leaves behind: claimed, never recorded."""
    Message.objects.filter(pk=message_pk).update(status="sending", claimed_at=clock.now, attempts=1)


def test_after_a_crash_a_message_the_provider_already_took_is_not_sent_again(branch, clock, aliyun):
    [pk] = queue_sms(branch, "+8613900000001")
    messages_deliver(message_ids=[pk])
    _crash_while_sending(pk, clock)
    clock.move(minutes=15)
    assert outbox_sweep()["requeued"] == 1
    messages_deliver(message_ids=[pk])
    message = Message.objects.get()
    assert (message.status, message.verify_before_send) == ("sent", False)
    assert aliyun.received == {"13900000001": 1}
    assert [r["Action"] for r in aliyun.requests] == ["SendBatchSms", "QuerySendDetails"]


def test_after_a_crash_a_message_the_provider_never_saw_is_sent_once(branch, clock, aliyun):
    [pk] = queue_sms(branch, "+8613900000001")
    _crash_while_sending(pk, clock)
    clock.move(minutes=15)
    outbox_sweep()
    messages_deliver(message_ids=[pk])
    assert Message.objects.get().status == "sent"
    assert aliyun.received == {"13900000001": 1}


def test_tencent_after_a_crash_checks_receipts_before_sending_again(branch, clock, tencent):
    first, second = queue_sms(branch, "+8613900000001", "+8613900000002", text="明天学习。")
    messages_deliver(message_ids=[first])
    for pk in (first, second):
        _crash_while_sending(pk, clock)
    clock.move(minutes=15)
    outbox_sweep()
    messages_deliver(message_ids=[first, second])
    assert set(statuses().values()) == {"sent"}
    sends = [r["PhoneNumberSet"] for r in tencent.requests if "PhoneNumberSet" in r]
    assert sends == [["+8613900000001"], ["+8613900000002"]]
