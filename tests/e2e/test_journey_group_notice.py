"""Journey 4: the secretary composes a notice to one contact group, previews it, sends it, and sees
each recipient's delivery status, before and after the outbox worker has run (desktop and phone).

(tests/e2e/test_journey_notices.py covers a notice to the whole branch from a template.)"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from members.models import ContactGroup
from notifications.models import Message, Notice
from notifications.tasks import deliver_messages_task

from .audit import assert_accessible, assert_no_sideways_scroll
from .browser import login, open_menu

pytestmark = pytest.mark.e2e


MARKS = {"sent": "✓", "failed": "✗", "cancelled": "–"}  # as notifications/_status.html shows them


def delivery_rows(page) -> set[tuple[str, str]]:
    """(recipient, status) for each row of the notice's delivery table."""
    rows = page.locator(".delivery-table tbody tr")
    expect(rows.first).to_be_visible()
    return {
        (row.locator("th").inner_text().split("\n")[0], row.locator(".badge").inner_text())
        for row in rows.all()
    }


def outbox(notice: Notice) -> set[tuple[str, str]]:
    """(recipient, status) as the outbox holds them, worded as the page words them."""
    with translation.override("zh-hans"):
        return {
            (m.recipient_name, f"{MARKS.get(m.status, '…')} {m.get_status_display()}")
            for m in Message.objects.filter(notice=notice)
        }


def test_secretary_sends_a_notice_to_one_group_and_sees_each_delivery(page, demo_branch):
    groups = ContactGroup.objects.filter(branch=demo_branch)
    group = min(groups, key=lambda g: (g.members.active().count(), g.pk))  # the smallest, for speed
    recipients = group.members.active().count()
    title = f"{group.name}活动通知"
    login(page, "secretary")

    open_menu(page)
    page.locator("#portal-nav a[href='/notifications/']").click()
    page.locator("main a[href='/notifications/new/']").click()
    page.locator("#id_title").fill(title)
    page.locator("#id_body").fill("{姓名}同志：本周四上午九点半在活动室开小组会，请准时参加。")
    page.locator("input[name=audience][value=groups]").check()
    page.locator(f"input[name=groups][value='{group.pk}']").check()

    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"{recipients} 位收件人")
    expect(preview.locator(".sms-bubble").first).to_contain_text("同志：本周四上午九点半")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.locator("button[name=action][value=send]").click()

    expect(page).to_have_url(re.compile(r"/notifications/\d+/$"))
    notice = Notice.objects.get(pk=re.search(r"/notifications/(\d+)/$", page.url)[1], title=title)
    assert notice.status == Notice.Status.SENT
    assert list(notice.groups.all()) == [group]
    expect(page.get_by_role("heading", level=1)).to_contain_text(notice.issue_label)
    assert delivery_rows(page) == outbox(notice)
    assert len(outbox(notice)) == Message.objects.filter(notice=notice).count() > 0
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    # The outbox worker runs (quiet hours, 21:00–08:00, keep SMS waiting), and the page follows it.
    deliver_messages_task(list(Message.objects.filter(notice=notice).values_list("pk", flat=True)))
    page.reload()
    assert delivery_rows(page) == outbox(notice)
    assert_accessible(page)
