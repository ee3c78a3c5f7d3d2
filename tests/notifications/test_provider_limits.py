"""Provider limits as errors users can act on: the 500 characters of an SMS counted on the compose page,
and refusals (credit, limits, template, signature) failed at once, in Chinese, with one alert."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications import services, texts
from notifications.delivery import messages_deliver
from notifications.models import Channel, Message, Notice
from tests.factories import MemberFactory

from .providers import use

pytestmark = pytest.mark.django_db

SIGN = "第16党支部"


@pytest.fixture
def reachable_secretary(secretary):
    secretary.phone = "+8613811112222"
    secretary.save(update_fields=["phone"])
    return secretary


def send_notice(branch, actor, *, members=3, body="{姓名}同志：周三上午9点学习。"):
    for i in range(members):
        MemberFactory(branch=branch, name=f"党员{i}", phone=f"+86139{i:08d}")
    notice = services.notice_create(actor=actor, branch=branch, title="学习通知", body=body)
    notice = services.notice_send(actor=actor, notice=notice).notice
    return notice


def deliver_all():
    messages_deliver(message_ids=list(Message.objects.values_list("pk", flat=True)))


def alerts():
    return Message.objects.filter(idempotency_key__startswith="provider-refused:").order_by("channel")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("isv.AMOUNT_NOT_ENOUGH", "短信账户余额不足。请到服务商处充值，然后重发失败的短信。"),
        ("isv.DAY_LIMIT_CONTROL", "短信账户已达到当天或当月的发送上限。"),
        ("isv.BUSINESS_LIMIT_CONTROL", "已达到服务商对这个手机号每小时或每天的短信条数上限。"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "服务商拒绝了短信模板"),
        ("isv.SMS_SIGNATURE_ILLEGAL", "服务商拒绝了短信签名"),
    ],
)
def test_an_aliyun_refusal_someone_must_act_on_fails_at_once_in_chinese_with_one_alert(
    branch, clock, aliyun, reachable_secretary, code, reason, settings
):
    use(settings, ALIYUN_SMS_BATCH_SIZE=2)  # two requests: the alert is still one
    aliyun.code = code
    notice = send_notice(branch, reachable_secretary)
    deliver_all()
    failed = Message.objects.filter(notice=notice)
    assert [(m.status, m.attempts) for m in failed] == [("failed", 1)] * 3
    assert all(m.last_error.startswith(reason) for m in failed)
    assert all(m.last_error.endswith(f"（{code}: stub says no）") for m in failed)
    group, sms = alerts()  # by channel
    assert (sms.channel, sms.to, group.channel) == (Channel.SMS, "+8613811112222", Channel.COMMITTEE_WECHAT)
    opening = f"{reachable_secretary}：短信服务商拒绝发送{notice.issue_label}通知《学习通知》的短信。"
    assert sms.body.startswith(opening)
    assert reason in sms.body
    # The alert's own SMS meets the same refusal: it fails, and raises no alert of its own.
    deliver_all()
    assert alerts().get(channel=Channel.SMS).status == "failed"
    assert alerts().count() == 2
    assert aliyun.received == {}


def test_the_same_refusal_on_two_notices_alerts_once_for_each(branch, clock, aliyun, reachable_secretary):
    aliyun.code = "isv.AMOUNT_NOT_ENOUGH"
    first = send_notice(branch, reachable_secretary)
    second = services.notice_send(
        actor=reachable_secretary,
        notice=services.notice_create(
            actor=reachable_secretary, branch=branch, title="又一期", body="明天学习。"
        ),
    ).notice
    deliver_all()
    deliver_all()
    subjects = {m.idempotency_key.split(":")[2] for m in alerts().filter(channel=Channel.SMS)}
    assert subjects == {str(first.pk), str(second.pk)}


def test_a_passing_server_error_is_retried_and_alerts_nobody(branch, clock, aliyun, reachable_secretary):
    aliyun.status = 503
    send_notice(branch, reachable_secretary, members=1)
    deliver_all()
    assert Message.objects.get().status == "queued"
    assert not alerts().exists()


def test_a_tencent_balance_refusal_fails_the_request_at_once_with_one_alert(
    branch, clock, tencent, reachable_secretary
):
    tencent.error = "FailedOperation.InsufficientBalanceInSmsPackage"
    notice = send_notice(branch, reachable_secretary)
    deliver_all()
    failed = Message.objects.filter(notice=notice)
    assert {m.status for m in failed} == {"failed"}
    assert failed[0].last_error == (
        "短信账户余额不足。请到服务商处充值，然后重发失败的短信。"
        "（FailedOperation.InsufficientBalanceInSmsPackage: stub）"
    )
    assert alerts().filter(channel=Channel.SMS).count() == 1


def test_a_tencent_daily_limit_on_some_numbers_fails_those_and_alerts_once(
    branch, clock, tencent, reachable_secretary
):
    limited = ["+8613900000000", "+8613900000002"]
    tencent.number_codes = dict.fromkeys(limited, "LimitExceeded.PhoneNumberDailyLimit")
    notice = send_notice(branch, reachable_secretary)
    deliver_all()
    statuses = dict(Message.objects.filter(notice=notice).values_list("to", "status"))
    assert statuses == {"+8613900000000": "failed", "+8613900000001": "sent", "+8613900000002": "failed"}
    assert alerts().filter(channel=Channel.SMS).count() == 1


def test_an_sms_over_500_characters_is_failed_before_it_reaches_aliyun(branch, clock, aliyun, settings):
    use(settings, SMS_TEMPLATE_TEXT="尊敬的党员：${content}")
    member = MemberFactory(branch=branch, name="张三", phone="+8613900000001")
    # 【第16党支部】 is 8 characters, the template's text 6: a body of 486 makes 500, one more is over.
    services.notify(branch=branch, occasion="fits", text="学" * 486, recipients=[member])
    services.notify(branch=branch, occasion="over", text="学" * 487, recipients=[member])
    deliver_all()
    statuses = dict(Message.objects.values_list("idempotency_key", "status"))
    assert statuses[f"fits:sms:member:{member.pk}"] == "sent"
    assert statuses[f"over:sms:member:{member.pk}"] == "failed"
    over = Message.objects.get(idempotency_key__startswith="over:sms")
    assert over.last_error.startswith("短信超过了服务商允许的长度（连同签名 500 字）。")
    assert "501 > 500" in over.last_error
    assert aliyun.received == {"13900000001": 1}


def test_sms_length_counts_the_signature_the_template_and_the_longest_name(branch, settings):
    use(settings, SMS_SIGN_NAME=SIGN, SMS_TEMPLATE_TEXT="${content}回T退订")
    MemberFactory(branch=branch, name="王二")
    MemberFactory(branch=branch, name="欧阳明月")
    # No longer on the roster: its longer name does not count.
    MemberFactory(branch=branch, name="司马长风云", status="deceased", status_changed_on="2020-01-01")
    text = "{姓名}同志：{支部}周三学习。"
    expected = len("【第16党支部】") + len("欧阳明月同志：第16党支部周三学习。") + len("回T退订")
    assert texts.sms_length(text, branch=branch) == expected
    assert texts.sms_length("周三学习。", branch=branch) == len("【第16党支部】周三学习。回T退订")


def compose(**overrides):
    data = {
        "category": "study",
        "title": "学习安排",
        "body": "周三学习。",
        "audience": "branch",
        "send_sms": "on",
        "action": "send",
    }
    return {**data, **overrides}


def test_the_compose_page_refuses_an_sms_over_500_characters_with_the_signature(
    client, secretary, branch, settings
):
    use(settings, SMS_SIGN_NAME=SIGN)
    MemberFactory(branch=branch, name="欧阳明月")
    client.force_login(secretary)
    body = "{姓名}同志：" + "学" * 486  # 【第16党支部】8 + 欧阳明月同志：7 + 486 = 501
    response = client.post(reverse("notifications:new"), compose(body=body))
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == [
        "按短信计，这段正文连同签名、填入最长的姓名后共 501 字，服务商最多接受 500 字。"
        "请删去 1 字，或只发到微信群。"
    ]
    assert not Notice.objects.exists()
    client.post(reverse("notifications:new"), compose(body=body[:-1]))
    assert Notice.objects.get().status == "sent"


def test_the_same_text_goes_to_the_wechat_groups_alone(client, secretary, branch, settings):
    use(settings, SMS_SIGN_NAME=SIGN)
    client.force_login(secretary)
    body = "学" * 900
    wechat_only = compose(body=body, send_sms="", send_branch_wechat="on")
    response = client.post(reverse("notifications:new"), wechat_only)
    assert response.status_code == 302
    assert Notice.objects.get().body == body


def test_the_compose_page_says_the_limit_and_the_service_keeps_it_too(client, secretary, branch, settings):
    use(settings, SMS_SIGN_NAME=SIGN)
    client.force_login(secretary)
    page = client.get(reverse("notifications:new")).content.decode()
    assert "按短信计最多 500 字（含签名【第16党支部】）。" in page
    with pytest.raises(ValidationError) as refused:
        services.notice_create(actor=secretary, branch=branch, title="通知", body="学" * 493)
    [message] = refused.value.message_dict["body"]
    assert message.startswith("按短信计，这段正文连同签名、填入最长的姓名后共 501 字")


def test_the_preview_counts_the_template_text_and_says_when_the_sms_is_too_long(
    client, secretary, branch, settings
):
    use(settings, SMS_SIGN_NAME=SIGN, SMS_TEMPLATE_TEXT="${content}回T退订")
    MemberFactory(branch=branch, name="王二", phone="+8613900000001")
    client.force_login(secretary)
    fits = client.post(reverse("notifications:preview"), compose(body="周三学习。")).content.decode()
    assert f"{len('【第16党支部】周三学习。回T退订')} 字" in fits
    assert "服务商最多接受 500 字" not in fits
    over = client.post(reverse("notifications:preview"), compose(body="学" * 500)).content.decode()
    length = len("【第16党支部】" + "学" * 500 + "回T退订")
    assert f"按短信计，这段正文连同签名、填入最长的姓名后共 {length} 字，服务商最多接受 500 字。" in over


def test_a_refused_reminder_alerts_once_for_its_occasion(branch, clock, aliyun, reachable_secretary):
    aliyun.code = "isv.AMOUNT_NOT_ENOUGH"
    members = [MemberFactory(branch=branch, name=f"寿星{i}", phone=f"+86139{i:08d}") for i in range(3)]
    greeting = "{姓名}同志：生日快乐！"
    services.notify(branch=branch, occasion="birthday:2026", text=greeting, recipients=members)
    deliver_all()
    [alert] = alerts().filter(channel=Channel.SMS)
    assert alert.idempotency_key.startswith("provider-refused:birthday:2026:isv.AMOUNT_NOT_ENOUGH:sms:")
    opening = f"{reachable_secretary}：短信服务商拒绝发送一条自动提醒的短信。短信账户余额不足。"
    assert alert.body.startswith(opening)
