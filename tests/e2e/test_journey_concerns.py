"""Journey 5: a bureau user answers a concern the branch escalated to the bureau party committee
(desktop and phone)."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import User
from visits import services
from visits.models import Concern

from .audit import assert_accessible, assert_no_sideways_scroll
from .browser import login, open_menu

pytestmark = pytest.mark.e2e
State = Concern.State


def escalated_concern(branch) -> Concern:
    """An escalation waiting for the bureau: the demo's, or one the secretary escalates now."""
    waiting = Concern.objects.filter(member__branch=branch, state=State.ESCALATED).order_by("pk").first()
    if waiting is not None:
        return waiting
    secretary = User.objects.get(username="secretary")
    member = branch.members.active().order_by("pk").first()
    concern = services.concern_raise(
        actor=secretary,
        member=member,
        category=Concern.Category.PENSION,
        text="希望单位协调解决取暖费报销问题。",
    )
    return services.concern_transition(
        actor=secretary, concern=concern, to_state=State.ESCALATED, comment="支部无法解决，上报局党委。"
    )


def test_bureau_answers_an_escalated_concern(page, demo_branch):
    concern = escalated_concern(demo_branch)
    answer = "已转局离退休干部处，下周内电话答复本人。"
    login(page, "bureau")

    open_menu(page)
    page.locator("#portal-nav a[href='/visits/concerns/']").click()
    card = page.locator(f"article[aria-labelledby='concern-{concern.pk}']")
    expect(card).to_contain_text(concern.text)
    expect(card).to_contain_text(label(State.ESCALATED))
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    card.locator(f"#comment-{concern.pk}-{State.BUREAU_REPLIED}").fill(answer)
    card.locator("form", has=page.locator(f"input[name=to_state][value={State.BUREAU_REPLIED}]")).locator(
        "button[type=submit]"
    ).click()

    expect(page).to_have_url(re.compile(r"/visits/concerns/"))
    expect(page.locator(".alert-success")).to_be_visible()
    card = page.locator(f"article[aria-labelledby='concern-{concern.pk}']")
    expect(card).to_contain_text(label(State.BUREAU_REPLIED))
    card.locator("summary").click()
    expect(card.locator("ol li").last).to_contain_text(f"孙立平：{answer}")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    concern.refresh_from_db()
    assert concern.state == State.BUREAU_REPLIED
    event = concern.events.order_by("pk").last()
    assert (event.actor.username, event.to_state, event.comment) == ("bureau", State.BUREAU_REPLIED, answer)


def label(state) -> str:
    with translation.override("zh-hans"):
        return str(state.label)
