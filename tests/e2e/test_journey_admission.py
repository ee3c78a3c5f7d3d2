"""Journey (issue 16): the secretary records on a desktop that a member is in hospital; without any
planner run, the liaison's phone home shows the urgent visit with the hospital, and one tap opens the
visit form for it."""

import pytest
from playwright.sync_api import expect

from members.models import HealthRecord, Member
from visits.models import PlannedVisit

from .browser import login

pytestmark = pytest.mark.e2e


def test_an_admission_reaches_the_liaisons_phone_at_once(desktop_page, phone_page, demo_branch):
    member = (
        Member.objects.active()
        # Another group's member: the urgent panel shows every carer the branch's admissions, and the
        # liaison's own group is left to the journeys that need a visit due to them (givens.py).
        .exclude(contact_group__leader__username="liaison")
        .exclude(health__condition__in=[HealthRecord.Condition.HOSPITALISED, HealthRecord.Condition.CRITICAL])
        .exclude(
            planned_visits__kind=PlannedVisit.Kind.HOSPITAL,
            planned_visits__status=PlannedVisit.Status.DUE,
        )
        .order_by("pk")
        .first()
    )
    secretary = desktop_page
    login(secretary, "secretary")
    secretary.goto(f"/members/{member.pk}/health/")
    secretary.locator("#id_condition").select_option("hospitalised")
    secretary.locator("#id_place").fill("市第一人民医院心内科5床")
    secretary.locator("#health-form [type=submit]").click()
    expect(secretary.locator(".alert-success")).to_be_visible()

    planned = PlannedVisit.objects.open().get(member=member, kind=PlannedVisit.Kind.HOSPITAL)
    liaison = phone_page
    login(liaison, "liaison")
    urgent = liaison.locator(".home-urgent li", has=liaison.locator(f"a[href*='planned={planned.pk}&']"))
    expect(urgent).to_contain_text(member.name)
    urgent.get_by_role("link").click()
    expect(liaison).to_have_url(f"/visits/new/?member={member.pk}&planned={planned.pk}&next=/")
    expect(liaison.locator("input[name=kind][value=hospital]")).to_be_checked()
