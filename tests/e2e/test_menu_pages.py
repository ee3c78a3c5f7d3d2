"""Every page in each demo role's menu passes the accessibility audit; the member's pages also pass
the age-friendly checks. A section added to the menu is audited without a new test."""

import pytest
from playwright.sync_api import expect

from accounts.models import User

from .audit import assert_accessible, assert_age_friendly, assert_no_sideways_scroll
from .browser import login, open_menu

pytestmark = pytest.mark.e2e


def menu_links(page) -> list[str]:
    open_menu(page)
    links = page.locator("#portal-nav ul.me-auto a.nav-link")
    expect(links.first).to_be_visible()
    return [link.get_attribute("href") for link in links.all()]


@pytest.mark.parametrize("text_size", ["standard", "xlarge"])
def test_every_page_in_the_members_menu_is_accessible_and_age_friendly(page, text_size):
    User.objects.filter(username="member").update(text_size=text_size)
    login(page, "member")
    for href in menu_links(page):
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-text-size", text_size)
        assert_accessible(page)
        assert_age_friendly(page)


@pytest.mark.parametrize("username", ["secretary", "bureau"])  # the liaison's pages: journey 2
def test_every_page_in_the_menu_is_accessible(page, username):
    login(page, username)
    for href in menu_links(page):
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
        assert_no_sideways_scroll(page)
