"""Meetings (三会一课) as the secretary and members use them: a committee meeting recorded with its
minutes and a resolution on a desktop, an interest group joined on a phone, and the sign-in sheet
printed on one A4 page for the branch's 46 members."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from study.models import Resolution, StudyActivity

from .audit import assert_accessible, assert_age_friendly
from .browser import login

pytestmark = pytest.mark.e2e


def test_secretary_records_a_committee_meeting_with_a_resolution(desktop_page):
    page = desktop_page
    day = timezone.localdate() + datetime.timedelta(days=3)
    login(page, "secretary")
    page.goto("/study/meetings/")
    assert_accessible(page)
    page.get_by_role("link", name="新建会议").click()

    expect(page.locator("#id_kind")).to_have_value("committee_meeting")
    page.locator("#id_theme").fill("研究重阳节集体祝寿安排")
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_starts_at").fill("09:30")
    page.locator("#id_place").fill("局老干部活动站三楼学习室")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("研究重阳节集体祝寿安排")
    page.get_by_role("link", name="记录会议").click()

    page.locator("#id_chair").fill("王建国")
    page.locator("#id_recorder").fill("张伟娟")
    page.locator("#id_item-0-title").fill("集体祝寿")
    page.locator("#id_item-0-discussion").fill("为80、85、90岁老人集体庆祝生日。")
    page.locator("#id_item-0-decision").fill("下月学习活动日举办，赠送生日礼物。")
    page.locator("#id_resolution-0-text").fill("订购生日蛋糕和贺卡")
    page.locator("#id_resolution-0-owner").select_option(index=1)
    page.locator("#id_resolution-0-due_on").fill((day + datetime.timedelta(days=7)).isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="保存会议记录").click()

    expect(page.locator(".alert-success")).to_contain_text("会议记录已保存")
    minutes = page.locator("section[aria-labelledby='minutes-heading']")
    expect(minutes).to_contain_text("下月学习活动日举办，赠送生日礼物。")
    expect(minutes).to_contain_text("订购生日蛋糕和贺卡")
    assert_accessible(page)
    meeting = StudyActivity.objects.get(theme="研究重阳节集体祝寿安排")
    assert (meeting.kind, meeting.chair) == ("committee_meeting", "王建国")
    resolution = Resolution.objects.get(activity=meeting)
    assert resolution.done_at is None and resolution.owner is not None


def test_member_joins_and_leaves_an_interest_group_on_a_phone(phone_page):
    page = phone_page
    login(page, "member")
    page.goto("/study/groups/")
    group = page.locator("section.card").first
    if group.get_by_role("button", name="退出小组").count():
        group.get_by_role("button", name="退出小组").click()
        group = page.locator("section.card").first
    assert_age_friendly(page)

    group.get_by_role("button", name="加入小组").click()
    expect(page.locator(".alert-success")).to_contain_text("您已加入")
    expect(page.locator("section.card").first.get_by_role("button", name="退出小组")).to_be_visible()
    assert_accessible(page)
    assert_age_friendly(page)


def test_the_sign_in_sheet_prints_on_one_a4_page_for_46_members(desktop_page):
    page = desktop_page
    day = StudyActivity.objects.filter(kind="monthly").order_by("-date").first()
    login(page, "secretary")
    page.goto(f"/study/{day.pk}/sign-in/")
    expect(page.locator(".signin-name")).to_have_count(46)
    assert_accessible(page)

    pdf = page.pdf(format="A4")

    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
