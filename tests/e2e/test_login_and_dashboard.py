"""The front door for each demo role, in a desktop window and on a phone, with the accessibility audit."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

from .audit import assert_accessible, assert_age_friendly
from .browser import login, open_menu

pytestmark = pytest.mark.e2e
GREETING = {"secretary": "王建国", "liaison": "赵敏", "bureau": "孙立平"}  # the demo roster's names


def test_login_page_is_accessible_and_explains_a_wrong_password(page):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()
    assert_accessible(page)
    assert_age_friendly(page)

    page.locator("#id_username").fill("member")
    page.locator("#id_password").fill("not-the-password")
    page.locator("main form", has=page.locator("#id_password")).locator("button[type=submit]").click()

    expect(page.get_by_text("用户名或密码不正确")).to_be_visible()
    assert_accessible(page)
    assert_age_friendly(page)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("username", ["secretary", "liaison", "bureau"])
def test_committee_liaison_and_bureau_see_the_branch_figures(page, username):
    login(page, username)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{GREETING[username]}，您好")
    members_tile = page.locator("a.tile", has_text="在册党员")
    expect(members_tile.locator(".tile-value")).to_have_text(re.compile(r"^\d+$"))
    open_menu(page)
    expect(page.get_by_role("navigation").get_by_role("link", name="党员名册")).to_be_visible()
    assert_accessible(page)


def test_member_sees_their_group_and_can_enlarge_the_text(page):
    User.objects.filter(username="member").update(text_size="standard")
    login(page, "member")

    expect(page.get_by_role("heading", level=1)).to_have_text("周桂兰，您好")
    expect(page.get_by_role("heading", name="我的联络小组")).to_be_visible()
    expect(page.locator("a.tile", has_text="在册党员")).to_have_count(0)  # the roster is not a member's
    assert_accessible(page)
    assert_age_friendly(page)
    standard_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")

    page.get_by_role("button", name="特大").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("data-text-size", "xlarge")
    assert User.objects.get(username="member").text_size == "xlarge"
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") > standard_px
    assert_accessible(page)
    assert_age_friendly(page)


def test_the_audit_itself_catches_an_unlabelled_field_and_small_text(desktop_page):
    """The audit is not vacuous: break the login page on purpose and both checks fail."""
    page = desktop_page
    page.goto("/accounts/login/")
    page.evaluate("() => document.querySelectorAll('label').forEach((label) => label.remove())")
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)
    page.evaluate("() => { document.body.style.fontSize = '14px'; }")
    with pytest.raises(AssertionError, match="body text is 14"):
        assert_age_friendly(page)
