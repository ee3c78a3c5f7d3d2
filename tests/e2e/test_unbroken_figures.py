"""On a 360 px phone, at every text size, no date, time or phone number is split across two lines on the
pages carers read at a door or bedside: the liaison's home and schedule, the call list, a member's page
(contacts, family, visits), a meeting's resolutions, the year against the rules, the collective birthday
form; nor on the page a member's personal link opens."""

from urllib.parse import urlsplit

import pytest

from accounts.models import User
from members.models import Member
from notifications import links
from notifications.models import Notice
from study.models import StudyActivity

from .audit import assert_figures_unbroken
from .browser import login

pytestmark = pytest.mark.e2e


def test_the_carers_pages_keep_each_date_time_and_number_on_one_line(phone_page, demo_branch):
    page = phone_page
    elder = Member.objects.get(branch=demo_branch, user__username="member")
    meeting = StudyActivity.objects.filter(
        kind=StudyActivity.Kind.COMMITTEE_MEETING, resolutions__isnull=False
    ).first()
    login(page, "secretary")
    for url in (
        "/notifications/calls/",
        f"/members/{elder.pk}/",
        meeting.get_absolute_url(),
        "/study/meetings/year/",
        "/visits/celebrations/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")  # the member page's sections come by htmx
        assert_figures_unbroken(page)


def test_the_liaisons_home_keeps_the_urgent_and_due_dates_on_one_line(phone_page, demo_branch):
    page = phone_page
    login(page, "liaison")
    page.wait_for_load_state("networkidle")
    assert_figures_unbroken(page)
    page.goto("/visits/schedule/")
    assert_figures_unbroken(page)


def test_the_personal_link_page_keeps_each_date_and_time_on_one_line(phone_page, demo_branch):
    page = phone_page
    elder = User.objects.get(username="member")
    notice = Notice.objects.filter(branch=demo_branch, status=Notice.Status.SENT).order_by("-pk").first()
    page.goto(urlsplit(links.link_url(user=elder, notice_id=notice.pk)).path)  # on the live server
    assert_figures_unbroken(page)
