"""Print-outs as a committee makes them: the contact map on A4 with nothing clipped, text of at least
11 pt and the date it was printed."""

import pytest

from .browser import login

pytestmark = pytest.mark.e2e

MM = 96 / 25.4  # CSS pixels per millimetre
A4_CONTENT_WIDTH = round((210 - 2 * 10) * MM)  # the @page margin is 10 mm
ELEVEN_POINTS = 11 * 96 / 72


def test_the_contact_map_prints_on_a4_with_nothing_clipped(desktop_page):
    page = desktop_page
    login(page, "secretary")
    page.goto("/members/contact-map/")
    page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
    page.emulate_media(media="print")

    boxes = page.eval_on_selector_all(
        ".contact-group .card",
        "cards => cards.map(c => { const r = c.getBoundingClientRect(); return [r.left, r.right]; })",
    )
    assert boxes, "the map shows its groups"
    assert all(left >= 0 and right <= A4_CONTENT_WIDTH for left, right in boxes), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_WIDTH
    sizes = page.eval_on_selector_all(
        ".contact-group .list-group-item, .contact-group .badge-care",
        "items => items.map(i => parseFloat(getComputedStyle(i).fontSize))",
    )
    assert min(sizes) >= ELEVEN_POINTS - 0.01
    assert page.locator(".print-date").is_visible()
    assert "打印日期" in page.locator(".print-date").inner_text()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
