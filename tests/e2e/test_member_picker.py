"""Journey: on a 360 px phone the secretary chooses a notice's members by ticking boxes, a whole group
and one member found by pinyin, with no keyboard modifier, and saves the notice as a draft."""

import pytest
from playwright.sync_api import expect

from members.models import ContactGroup, Member
from notifications.models import Notice

from .audit import assert_accessible, assert_no_sideways_scroll
from .browser import login

pytestmark = pytest.mark.e2e


def test_secretary_picks_a_group_and_one_member_on_a_phone(phone_page, demo_branch):
    page = phone_page
    group = ContactGroup.objects.filter(branch=demo_branch).order_by("number").first()
    in_group = set(group.members.active().values_list("pk", flat=True))
    other = (
        Member.objects.in_branch(demo_branch)
        .active()
        .exclude(contact_group=group)
        .order_by("name_pinyin")
        .first()
    )
    login(page, "secretary")
    page.goto("/notifications/new/")
    page.locator("#id_title").fill("小组座谈")
    page.locator("#id_body").fill("{姓名}同志：本周五上午九点半在活动室座谈。")
    page.locator("input[name=audience][value=members]").check()
    expect(page.locator("#member-picker")).not_to_contain_text("Ctrl")

    picker_group = page.locator("[data-picker-group]", has_text=group.name)
    picker_group.locator("[data-select-group]").check()
    page.locator("[data-member-search]").fill(other.name_initials)
    page.locator("label.picker-choice", has_text=other.name).locator("input").check()
    expect(page.locator("[data-member-count]")).to_contain_text(str(len(in_group) + 1))
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_role("button", name="存为草稿").click()
    notice = Notice.objects.filter(branch=demo_branch, title="小组座谈").latest("pk")
    try:
        assert set(notice.members.values_list("pk", flat=True)) == in_group | {other.pk}
    finally:
        notice.delete()  # the demo data is shared by the journeys
