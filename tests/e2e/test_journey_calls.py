"""A group leader works the call list on a 360 px phone: nobody is left out of a notice."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from members.models import ContactGroup, Member
from notifications import services
from notifications.models import Call, Notice

from .audit import assert_accessible, assert_age_friendly
from .browser import SCREENSHOTS, login

pytestmark = pytest.mark.e2e

TEXT = "{姓名}同志：明天上午9点在活动中心学习，如不能参加请告诉组长。"


def notice_to_the_liaisons_group(branch) -> Notice:
    """Given: the secretary sends a notice to the liaison's group, in which a member has no mobile
    (a landline) and one reads no SMS (members/demo.py)."""
    secretary = User.objects.get(username="secretary")
    group = ContactGroup.objects.get(branch=branch, leader__username="liaison")
    draft = services.notice_create(
        actor=secretary,
        branch=branch,
        title="电话通知演练",
        body=TEXT,
        audience=Notice.Audience.GROUPS,
        groups=[group],
    )
    return services.notice_send(actor=secretary, notice=draft).notice


def test_a_group_leader_phones_members_without_a_mobile_and_marks_each_call(phone_page, demo_branch):
    page = phone_page
    notice = notice_to_the_liaisons_group(demo_branch)
    liaison = User.objects.get(username="liaison")
    without_mobile = Member.objects.get(
        branch=demo_branch, contact_group__leader=liaison, phone="", phone_alt__gt=""
    )
    call = Call.objects.get(notice=notice, member=without_mobile)
    assert set(Call.objects.filter(notice=notice).values_list("reason", flat=True)) == {
        Call.Reason.NO_MOBILE,
        Call.Reason.NEEDS_CALL,
    }
    login(page, "liaison")

    page.locator("a.call-home").click()
    expect(page).to_have_url("/notifications/calls/")
    card = page.locator(f"#call-{call.pk}")
    expect(card.get_by_role("heading", name=without_mobile.name)).to_be_visible()
    tel = card.locator(f'a[href="tel:{without_mobile.phone_alt.as_e164}"]')
    expect(tel).to_be_visible()
    expect(card.locator(".call-text")).to_contain_text(f"{without_mobile.name}同志：明天上午9点")
    assert_accessible(page)
    assert_age_friendly(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "call_list_phone_360.png")  # what the phone's screen shows

    # Nobody answered: one tap, the card says so and the call stays on the list.
    card.get_by_role("button", name="没打通，稍后再打").click()
    expect(card.locator(".call-state")).to_contain_text("尚未联系上（已打 1 次）")
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.marked_by) == (Call.Outcome.OPEN, 1, liaison)

    # The second try: the son answers and passes it on.
    card.get_by_role("button", name="已通过家属转告").click()
    expect(card.locator(".call-state")).to_contain_text("已通过家属转告")
    expect(card.locator(".call-text")).to_have_count(0)
    call.refresh_from_db()
    assert (call.outcome, call.attempts, call.marked_by) == (Call.Outcome.FAMILY, 1, liaison)
    assert call.marked_at is not None
    assert_accessible(page)
    assert_age_friendly(page)
