"""The liaison records a visit at a bedside on a 360 px phone: pinyin initials, big buttons, one thumb."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from visits.models import PlannedVisit, Visit

from .audit import assert_accessible, assert_carer_friendly
from .browser import login
from .givens import due_visit_for

pytestmark = pytest.mark.e2e


def test_liaison_records_a_due_visit_on_a_phone_and_it_leaves_the_schedule(phone_page, demo_branch):
    page = phone_page
    # Its own due visit: the demo's few are recorded by the other browser tests, in any order.
    due = due_visit_for(User.objects.get(username="liaison"), demo_branch)
    member = due.member
    login(page, "liaison")

    page.goto("/visits/schedule/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    assert_carer_friendly(page)
    page.goto("/visits/new/")
    page.locator("#member-q").fill(member.name_initials)
    result = page.locator("#member-results a", has_text=member.name)
    expect(result).to_be_visible()
    assert_accessible(page)
    assert_carer_friendly(page)
    result.click()

    expect(page.locator(f"input[name=kind][value={due.kind}]")).to_be_checked()
    page.locator("label[for=id_mode_2]").click()  # by phone
    page.locator("#id_notes").fill("电话问候，老人精神不错。")
    assert_accessible(page)
    assert_carer_friendly(page)
    page.locator(".visit-submit").click()

    expect(page).to_have_url("/visits/schedule/")
    expect(page.locator(".alert-success")).to_contain_text(member.name)
    due.refresh_from_db()
    assert due.status == PlannedVisit.Status.DONE
    visit = Visit.objects.get(planned=due)
    assert (visit.mode, visit.notes) == (Visit.Mode.PHONE, "电话问候，老人精神不错。")
