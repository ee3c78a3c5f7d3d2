"""On a 360 × 740 phone: a member logs in with a code sent by SMS, their family proxy does the same,
and a member opens the personal link from a notice. Codes are read from the in-memory SMS outbox."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from members.models import FamilyProxy, Member
from notifications import services
from notifications.models import Message
from notifications.transports import locmem

from .audit import assert_accessible, assert_age_friendly

pytestmark = pytest.mark.e2e


@pytest.fixture
def sms_outbox(settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_BACKEND": "locmem", "QUIET_HOURS": ""}
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


def log_in_by_code(page, phone: str, outbox) -> None:
    """As a person would: the SMS form on the login page, then the 6 digits from the SMS."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    page.locator("#sms-phone").fill(phone.removeprefix("+86"))
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已用短信发出")).to_be_visible()
    assert_age_friendly(page)
    (sms,) = [sent for sent in outbox if sent.to == phone]
    page.locator("#id_code").fill(re.search(r"\d{6}", sms.body).group())
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_member_logs_in_by_sms_code_on_a_phone(phone_page, demo_branch, sms_outbox):
    page = phone_page
    member = Member.objects.select_related("contact_group").get(branch=demo_branch, user__username="member")

    log_in_by_code(page, member.phone.as_e164, sms_outbox)

    expect(page.get_by_text(member.contact_group.name).first).to_be_visible()
    assert_age_friendly(page)
    assert_accessible(page)


def test_a_family_proxy_logs_in_by_sms_code_and_reads_as_the_member(phone_page, demo_branch, sms_outbox):
    page = phone_page
    proxy = FamilyProxy.objects.select_related("member").get(member__user__username="member")

    log_in_by_code(page, proxy.phone.as_e164, sms_outbox)

    expect(page.locator(".reading-for")).to_have_text(f"代{proxy.member.name}查看")
    assert_age_friendly(page)
    assert_accessible(page)


def test_a_member_opens_the_link_in_a_notice(phone_page, demo_branch, portal, settings, sms_outbox):
    page = phone_page
    settings.PORTAL_URL = portal.url
    member = Member.objects.get(branch=demo_branch, user__username="member")
    secretary = User.objects.get(username="secretary")
    draft = services.notice_create(
        actor=secretary,
        branch=demo_branch,
        title="十二月学习日",
        body="{姓名}同志：本周三上午9点学习。",
        audience="members",
        members=[member],
    )
    notice = services.notice_send(actor=secretary, notice=draft).notice
    sms = Message.objects.get(notice=notice, member=member, to=member.phone_for_notices.as_e164)

    page.goto(re.search(r"https?://\S+$", sms.body).group())

    expect(page.get_by_role("heading", name="十二月学习日")).to_be_visible()
    expect(page.get_by_text("周桂兰同志：本周三上午9点学习。")).to_be_visible()
    expect(page.get_by_role("heading", name="学习安排")).to_be_visible()
    assert_age_friendly(page)
    assert_accessible(page)
