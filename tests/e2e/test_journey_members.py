"""Journey 1: the secretary finds a member by pinyin initials, changes their living situation,
and sees the change in the member's history (desktop and phone). The liaison officer, at a
member's bedside, opens their health record only when asking for it."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from members.models import HealthRecord, HealthRecordView, Member

from .audit import assert_accessible, assert_no_sideways_scroll
from .browser import login, open_menu

pytestmark = pytest.mark.e2e


def label(thing) -> str:
    """The Chinese label the page shows for a choice or a field."""
    with translation.override("zh-hans"):
        return str(getattr(thing, "label", None) or thing.verbose_name)


def test_secretary_finds_a_member_by_initials_and_edits_their_living_situation(page, demo_branch):
    member = Member.objects.get(branch=demo_branch, name="张志远")
    same_initials = demo_branch.members.active().filter(name_initials__startswith="zzy")
    new_situation = next(s for s in Member.LivingSituation if s != member.living_situation)
    old_label = label(Member.LivingSituation(member.living_situation))
    login(page, "secretary")

    open_menu(page)
    page.locator("#portal-nav").get_by_role("link", name="党员名册").click()
    results = page.locator("#member-results")
    expect(results.locator("tbody tr")).not_to_have_count(0)
    page.locator("#id_q").fill("zzy")
    page.locator("#id_q").press("Enter")

    expect(results.locator("tbody tr")).to_have_count(same_initials.count())
    expect(results.get_by_role("link", name="王建国")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=zzy"))  # htmx keeps the search in the address
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    results.get_by_role("link", name="张志远").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("张志远")
    assert_accessible(page)
    page.locator(f"a[href$='/members/{member.pk}/edit/']").click()

    situation = page.locator("#id_living_situation")
    expect(situation).to_have_value(member.living_situation)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    situation.select_option(new_situation.value)
    page.locator("input[name=save], button[name=save]").click()

    expect(page).to_have_url(re.compile(rf"/members/{member.pk}/$"))
    expect(page.get_by_role("status").or_(page.locator(".alert-success")).first).to_be_visible()
    facts = page.locator(".member-facts").first
    expect(facts).to_contain_text(label(new_situation))
    change = page.locator(".history-table tbody tr", has_text=f"{old_label} → {label(new_situation)}")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("王建国")
    expect(change).to_contain_text(label(Member._meta.get_field("living_situation")))
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    member.refresh_from_db()
    assert member.living_situation == new_situation


def test_liaison_sees_the_health_record_only_when_asking_for_it(page, demo_branch):
    member = Member.objects.active().filter(branch=demo_branch, health__isnull=False).order_by("pk").first()
    condition = label(HealthRecord.Condition(member.health.condition))
    opened_before = HealthRecordView.objects.filter(member=member).count()
    login(page, "liaison")

    page.goto(member.get_absolute_url())
    health = page.locator("section[aria-labelledby=health-heading]")
    expect(health.locator(".member-facts")).to_have_count(0)
    assert HealthRecordView.objects.filter(member=member).count() == opened_before  # nothing opened yet
    assert_accessible(page)
    health.get_by_role("link", name="查看健康状况").click()

    expect(health.locator(".member-facts")).to_contain_text(condition)
    expect(health.locator("summary")).to_be_focused()  # not thrown back to the top of the page
    expect(page).to_have_url(re.compile(rf"/members/{member.pk}/$"))  # swapped in place
    assert HealthRecordView.objects.filter(member=member).count() == opened_before + 1
    assert_accessible(page)
    assert_no_sideways_scroll(page)
