"""Journey 3: a member reads the study schedule and the next study day's details, and downloads
the calendar feed (desktop and phone)."""

import re

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from accounts.models import User
from study.selectors import next_activity

from .audit import assert_accessible, assert_age_friendly
from .browser import login, open_menu

pytestmark = pytest.mark.e2e


def test_member_reads_the_next_study_day_and_downloads_the_calendar(page):
    member_user = User.objects.get(username="member")
    upcoming = next_activity(user=member_user, today=timezone.localdate())
    assert upcoming is not None, "the demo study year plans days ahead"
    login(page, "member")

    open_menu(page)
    page.locator("#portal-nav a[href='/study/']").click()
    coming_up = page.locator("section[aria-labelledby='upcoming-heading']")
    first = coming_up.locator("article").first
    expect(first.get_by_role("heading")).to_have_text(upcoming.theme)
    assert_accessible(page)
    assert_age_friendly(page)
    first.get_by_role("link", name=upcoming.theme).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(upcoming.theme)
    facts = page.locator(".study-facts")
    expect(facts).to_contain_text(f"{upcoming.starts_at.hour % 12 or 12}:{upcoming.starts_at:%M}")  # 上午9:30
    if upcoming.place:
        expect(facts).to_contain_text(upcoming.place)
    assert_accessible(page)
    assert_age_friendly(page)
    page.goto("/study/")
    page.locator("main a[href='/study/calendar/']").click()

    page.locator("button[name=action][value=regenerate]").click()
    feed_url = page.locator("#feed-url")
    expect(feed_url).to_have_value(re.compile(r"/study/calendar\.ics\?token=\S+$"))
    assert_accessible(page)
    assert_age_friendly(page)

    feed = page.request.get(feed_url.input_value())
    assert feed.ok
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert any(upcoming.theme in str(event["SUMMARY"]) for event in events)
