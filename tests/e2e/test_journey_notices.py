"""Journey: the secretary writes a notice from a template, reads the live preview (each SMS with its
length and parts), sends it and gets its issue number; a member then finds it among the notices
(desktop and phone)."""

import pytest
from playwright.sync_api import expect

from notifications.models import Notice

from .audit import assert_accessible, assert_age_friendly, assert_no_sideways_scroll
from .browser import is_phone, login, open_menu

pytestmark = pytest.mark.e2e


def test_secretary_sends_a_numbered_notice_and_a_member_reads_it(page, demo_branch):
    login(page, "secretary")
    open_menu(page)
    page.locator("#portal-nav a[href='/notifications/']").click()
    page.get_by_role("link", name="撰写通知").click()

    page.locator("#id_template").select_option(label="天气提醒")
    expect(page.locator("#id_title")).to_have_value("天气变化提醒")
    preview = page.locator("#preview")
    expect(preview.locator(".sms-bubble").first).to_contain_text("同志：近日气温变化较大")
    expect(preview.locator(".sms-bubble").first).to_contain_text("1 条")
    page.locator("#id_body").fill("{姓名}同志：" + "明日寒潮降温，请注意防寒保暖，雨雪天气尽量减少外出。" * 3)
    expect(preview.locator(".sms-bubble").first).to_contain_text("2 条")
    expect(preview).to_contain_text("最长的一条短信按 2 条计费")
    assert_accessible(page)
    if is_phone(page):
        assert_no_sideways_scroll(page)

    page.get_by_role("button", name="发送（或定时发送）").click()
    notice = Notice.objects.filter(branch=demo_branch, title="天气变化提醒").order_by("-pk").first()
    assert notice.status == Notice.Status.SENT
    expect(page.get_by_role("heading", level=1)).to_contain_text(notice.issue_label)
    expect(page.locator(".delivery-table")).to_contain_text("短信")
    assert_accessible(page)

    page.context.clear_cookies()  # the member picks up the same phone (or desktop) next
    login(page, "member")
    open_menu(page)
    page.locator("#portal-nav a[href='/notifications/']").click()
    row = page.locator(".notice-table tr", has_text=notice.issue_label)
    expect(row).to_contain_text("天气变化提醒")
    assert_accessible(page)
    assert_age_friendly(page)
    row.get_by_role("link", name="天气变化提醒").click()
    expect(page.locator("main")).to_contain_text("明日寒潮降温")


def test_a_notice_nobody_would_receive_cannot_be_sent_from_the_compose_page(page, demo_branch):
    from accounts.models import User
    from members.models import ContactGroup

    # A contact group just set up, nobody in it yet (taken away again at the end: the data is shared).
    empty = ContactGroup.objects.create(
        branch=demo_branch, number=99, name="新建联络小组", leader=User.objects.get(username="secretary")
    )
    numbers_before = list(
        Notice.objects.filter(branch=demo_branch).order_by("pk").values_list("year", "number")
    )
    notices_before = Notice.objects.count()
    try:
        login(page, "secretary")
        page.goto("/notifications/new/")
        page.locator("#id_title").fill("小组会通知")
        page.locator("#id_body").fill("{姓名}同志：本周四上午九点半开小组会。")
        page.locator("input[name=audience][value=groups]").check()
        page.locator(f"input[name=groups][value='{empty.pk}']").check()

        why = "这条通知没有人能收到：“选定的联络小组”中没有在册党员。请换一个发送对象。"
        expect(page.locator("#preview")).to_contain_text(why)
        send = page.locator("button[name=action][value=send]")
        expect(send).to_be_disabled()
        expect(page.locator("#send-refused")).to_have_text(f"✖ {why}")
        assert_accessible(page)

        # Posting to the branch's WeChat group reaches people: the button comes back.
        page.locator("#id_send_branch_wechat").check()
        expect(send).to_be_enabled()
        expect(page.locator("#preview")).not_to_contain_text(why)
        assert Notice.objects.count() == notices_before
        assert (
            list(Notice.objects.filter(branch=demo_branch).order_by("pk").values_list("year", "number"))
            == numbers_before
        )
    finally:
        empty.delete()
