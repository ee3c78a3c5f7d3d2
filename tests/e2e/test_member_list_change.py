"""The member list filters as soon as a choice changes (htmx), with no button to press."""

import re

import pytest
from playwright.sync_api import expect

from members.models import CareCategory

from .browser import login, open_menu

pytestmark = pytest.mark.e2e


def test_choosing_a_care_category_filters_the_list_at_once(page, demo_branch):
    cared = demo_branch.members.active().in_care_category(CareCategory.ALONE).count()
    assert 0 < cared < demo_branch.members.active().count()  # the filter visibly changes the list
    login(page, "secretary")
    open_menu(page)
    page.locator("#portal-nav").get_by_role("link", name="党员名册").click()
    expect(page).to_have_url(re.compile(r"/members/$"))
    page.wait_for_load_state()  # htmx (deferred) must be listening before the choice changes
    page.locator("#id_care").select_option(CareCategory.ALONE.value)

    expect(page).to_have_url(re.compile(r"[?&]care=alone"))
    expect(page.locator("#member-results tbody tr")).to_have_count(cared)
