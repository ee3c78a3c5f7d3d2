"""The liaison's phone home is the work list: from the home page to a saved visit that fulfils the plan
in at most three taps, and back on the home page afterwards (issue 20)."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from visits.models import PlannedVisit, Visit

from .audit import assert_accessible
from .browser import login
from .givens import due_visit_for

pytestmark = pytest.mark.e2e


def test_liaison_records_a_due_visit_from_the_home_page_in_two_taps(phone_page, demo_branch):
    page = phone_page
    due = due_visit_for(User.objects.get(username="liaison"), demo_branch)
    login(page, "liaison")
    expect(page).to_have_url("/")
    record_button = page.locator(".home-record-visit")
    expect(record_button).to_be_visible()
    assert record_button.bounding_box()["y"] < 400, (
        "the big 登记探望 button is at the top, not below the tiles"
    )
    assert_accessible(page)

    page.locator(
        f".home-urgent a[href*='planned={due.pk}&'], .home-mine a[href*='planned={due.pk}&']"
    ).click()  # tap 1
    expect(page.locator(f"input[name=kind][value={due.kind}]")).to_be_checked()
    page.locator(".visit-submit").click()  # tap 2: save

    expect(page).to_have_url("/")  # back where the liaison came from
    expect(page.locator(".alert-success")).to_contain_text(due.member.name)
    due.refresh_from_db()
    assert due.status == PlannedVisit.Status.DONE
    assert Visit.objects.filter(planned=due).exists()
    expect(page.locator(f"a[href*='planned={due.pk}&']")).to_have_count(0)  # off the work list


def test_after_saving_from_the_whole_branch_schedule_the_liaison_is_back_on_it(phone_page, demo_branch):
    page = phone_page
    # A visit another carer holds: the liaison's own are left to the journeys that need them.
    due = (
        PlannedVisit.objects.open()
        .filter(member__branch=demo_branch)
        .exclude(responsible__username="liaison")
    )
    due = due.order_by("due_by", "pk").first()
    login(page, "liaison")
    page.goto("/visits/schedule/?scope=branch")
    page.locator(f".visit-record[href*='planned={due.pk}&']").click()
    page.locator(".visit-submit").click()
    expect(page).to_have_url("/visits/schedule/?scope=branch")
