"""The members' study view on a phone: no sideways scrolling down to 320 px, no text under 20 px, AAA
contrast, 48 px targets (audit.assert_age_friendly); the liaison's attendance sheet by one tap."""

import pytest
from playwright.sync_api import expect

from study.models import Attendance, StudyActivity

from .audit import MEMBER_FONT_PX, MIN_FONT_PX, SMALL_TEXT_JS, assert_age_friendly
from .browser import login

pytestmark = pytest.mark.e2e


def assert_no_small_text(page, minimum: int = MEMBER_FONT_PX) -> None:
    page.wait_for_load_state()  # measured as the reader sees it: after the stylesheets, not while they load
    small = page.evaluate(SMALL_TEXT_JS, minimum)
    assert not small, f"text under {minimum} px on {page.url}:\n" + "\n".join(small[:10])


def test_members_view_on_a_phone_has_no_sideways_scroll_and_large_text(phone_page):
    page = phone_page
    login(page, "member")

    page.goto("/study/")

    expect(page.get_by_role("heading", level=1)).to_have_text("学习活动")
    expect(page.locator("article.study-card").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= MEMBER_FONT_PX
    assert_no_small_text(page)
    assert_age_friendly(page)
    page.locator("article.study-card h3 a").first.click()
    expect(page.locator(".study-facts")).to_be_visible()
    assert_no_small_text(page)
    assert_age_friendly(page)


def test_liaison_takes_attendance_with_one_tap_on_a_phone(phone_page, demo_branch):
    page = phone_page
    activity = StudyActivity.objects.filter(organiser=demo_branch, kind="monthly").order_by("-date").first()
    login(page, "liaison")

    page.goto(f"/study/{activity.pk}/attendance/")
    row = page.locator("li.attendance-row").first
    member_id = int(row.get_attribute("id").removeprefix("attendance-"))
    row.get_by_role("button", name="线上参加").click()

    swapped = page.locator(f"#attendance-{member_id}")
    expect(swapped.locator("button[value=online]")).to_have_attribute("aria-pressed", "true")
    assert Attendance.objects.get(activity=activity, member_id=member_id).status == "online"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_no_small_text(page, MIN_FONT_PX)  # a carer's page
