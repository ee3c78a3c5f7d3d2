"""The demo member, aged 91, on a 360 x 740 phone: the home page answers their questions without the
menu, and every page they can open meets the age-friendly bar (audit.assert_age_friendly: 20 px text,
AAA contrast, 48 x 48 px targets, no sideways scrolling at 320 px at any text size)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.models import User
from branch_portal.templatetags.portal_format import day
from members.models import Member
from notifications.selectors import member_notices
from study.selectors import next_study_day

from .audit import assert_accessible, assert_age_friendly
from .browser import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_member(demo_branch):
    User.objects.filter(username="member").update(text_size="standard")
    return Member.objects.select_related("branch").get(user__username="member")


def test_member_logs_in_and_reads_the_next_study_day_from_the_home_page(phone_page, demo_member):
    page = phone_page
    study = next_study_day(member=demo_member, today=timezone.localdate())
    assert study is not None, "the demo study year plans days ahead"

    login(page, "member")

    card = page.locator("section[aria-labelledby='next-study-heading']")
    expect(card).to_be_in_viewport()  # no menu to open, no scrolling to find it
    expect(page.locator(".navbar-toggler")).to_have_attribute("aria-expanded", "false")
    expect(card.locator(".member-when")).to_contain_text(day(study.date))
    expect(card.locator(".member-when")).to_contain_text(date_format(study.date, "l"))
    expect(card).to_contain_text(study.theme)
    expect(card).to_contain_text(study.place)
    expect(card).to_contain_text(f"{study.starts_at.hour % 12 or 12}:{study.starts_at:%M}")
    call = page.locator("a.member-call")
    expect(call).to_have_attribute("href", re.compile(r"^tel:\+86\d{11}$"))
    expect(page.locator(".member-dues").first).to_contain_text("党费")
    latest = member_notices(member=demo_member, limit=1)[0]
    expect(page.locator(".member-notice").first).to_contain_text(latest.title)
    expect(page.locator("main")).not_to_contain_text("{姓名}")
    assert_accessible(page)
    assert_age_friendly(page)

    card.get_by_role("link", name="查看学习安排").click()

    expect(page).to_have_url(re.compile(r"/study/$"))
    expect(page.locator("article.study-card").first).to_contain_text(study.theme)


def test_the_schedule_prints_on_one_a4_page(desktop_page, demo_member):
    page = desktop_page
    login(page, "member")
    page.get_by_role("link", name="打印我的学习日程").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^\d{4}年学习日安排$"))
    expect(page.locator("button[data-print]")).to_be_visible()
    assert_accessible(page)
    assert_age_friendly(page)

    pdf = page.pdf(prefer_css_page_size=True)  # headless Chromium prints with the page's print CSS

    assert re.findall(rb"/Count (\d+)", pdf) == [b"1"], "the year's study days take one A4 page"


def member_pages(member: Member) -> list[str]:
    """Every page the member can open, and the two refusals they may meet."""
    notice = member_notices(member=member, limit=1)[0]
    study = next_study_day(member=member, today=timezone.localdate())
    return [
        reverse("home"),
        reverse("notifications:list"),
        notice.get_absolute_url(),
        reverse("study:list"),
        study.get_absolute_url(),
        reverse("study:groups"),
        reverse("study:calendar_token"),
        reverse("study:print_year"),
        reverse("dues:ledger"),
        reverse("dues:report", args=[timezone.localdate().year]),  # the version read to all members
        member.get_absolute_url(),
        reverse("members:contact_map"),
        reverse("accounts:password_change"),
        reverse("members:list"),  # 403
        reverse("members:detail", args=[999_999]),  # 404
    ]


def test_every_page_a_member_opens_is_age_friendly_with_aaa_contrast(page, demo_member):
    login(page, "member")
    for url in member_pages(demo_member):
        page.goto(url)
        page.wait_for_load_state("networkidle")  # the panels htmx loads into the member's own page
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
        assert_age_friendly(page)
