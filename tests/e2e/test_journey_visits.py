"""Journey 2: the liaison officer opens their visit schedule and records a visit for a member who is
due, with two taps once the member is chosen; the planned visit turns done (desktop and phone).

(tests/e2e/test_visits_phone.py covers finding the member by pinyin on the record page instead.)"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from visits.models import PlannedVisit, Visit

from .audit import assert_accessible, assert_no_sideways_scroll
from .browser import login, open_menu
from .givens import due_visit_for

pytestmark = pytest.mark.e2e


def test_liaison_records_a_due_visit_from_the_schedule_and_it_turns_done(page, demo_branch):
    liaison = User.objects.get(username="liaison")
    planned = due_visit_for(liaison, demo_branch)
    login(page, "liaison")

    open_menu(page)
    page.locator("#portal-nav a[href='/visits/schedule/']").click()
    item = page.locator("li.visit-item").filter(
        has=page.locator(f"form[action='/visits/planned/{planned.pk}/cancel/']")
    )
    expect(item.locator(".visit-member")).to_have_text(planned.member.name)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    item.locator("a.visit-record").click()  # choosing the member

    expect(page.get_by_role("heading", level=2)).to_have_text(planned.member.name)
    expect(page.locator(f"input[name=kind][value={planned.kind}]")).to_be_checked()
    expect(page.locator("input[name=visitors]:checked")).to_have_value(str(liaison.pk))
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    seen = page.locator("input[name=health]").nth(1)
    health = seen.input_value()
    page.locator(f"label[for='{seen.get_attribute('id')}']").click()  # tap 1: how the member was
    page.locator("button.visit-submit").click()  # tap 2: save

    expect(page).to_have_url(re.compile(r"/visits/schedule/$"))
    expect(page.locator(".alert-success")).to_contain_text(planned.member.name)
    expect(page.locator(f"form[action='/visits/planned/{planned.pk}/cancel/']")).to_have_count(0)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.DONE
    visit = Visit.objects.get(planned=planned)
    assert (visit.kind, visit.date, visit.health) == (planned.kind, timezone.localdate(), health)
    assert list(visit.visitors.all()) == [liaison]
