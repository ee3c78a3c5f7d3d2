"""The liaison officer leaves the portal open: warned before the session ends, they can stay logged
in; left alone again, they land on the login page told why (accounts/idle_sessions.py)."""

import re

import pytest
from playwright.sync_api import expect

from .audit import MIN_FONT_PX, MIN_TARGET_PX, assert_accessible, assert_no_sideways_scroll
from .browser import SCREENSHOTS, browsing, login

pytestmark = pytest.mark.e2e

# Thirty seconds instead of thirty minutes: the warning comes halfway, with 15 seconds left.
IDLE_SECONDS = 30


def test_idle_liaison_is_warned_can_stay_and_is_then_logged_out_with_the_reason(page, settings):
    settings.SESSION_IDLE_SECONDS = IDLE_SECONDS
    login(page, "liaison")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()

    expect(warning).to_be_visible(timeout=(IDLE_SECONDS + 5) * 1000)
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("为保护党员信息，系统将在1分钟后自动退出")
    stay = warning.get_by_role("button", name="继续使用")
    assert stay.bounding_box()["height"] >= MIN_TARGET_PX
    assert float(warning.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= MIN_FONT_PX
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"idle-warning-{browsing(page).device}.png")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    stay.click()

    expect(warning).to_be_hidden()
    page.goto("/members/")  # still logged in: the roster, not the login page
    expect(page.get_by_role("heading", level=1)).to_have_text("党员名册")

    logged_out = re.compile(r"/accounts/login/\?next=%2Fmembers%2F$")
    expect(page).to_have_url(logged_out, timeout=(IDLE_SECONDS + 10) * 1000)
    expect(page.locator("main")).to_contain_text(
        "为保护党员信息，您已1分钟未操作，系统已自动退出，请重新登录。"
    )
    assert_accessible(page)
