"""Print-outs as a committee makes them: the contact map on A4 with nothing clipped, text of at least
11 pt and the date it was printed."""

import re

import pytest
from django.utils import timezone

from dues.selectors import arrears_list

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


REPORT_CONTENT_WIDTH = round((210 - 2 * 15) * MM)  # the report's @page margin is 15 mm


@pytest.mark.parametrize("copy", ["", "committee/"])
def test_the_annual_report_prints_on_a4_with_nothing_clipped(desktop_page, demo_branch, copy, tmp_path):
    page = desktop_page
    year = timezone.localdate().year
    owers = [s.member.name for s in arrears_list(branch=demo_branch, upto=timezone.localdate())]
    assert owers, "the demo has members behind with their dues"
    login(page, "secretary")
    page.goto(f"/dues/report/{year}/{copy}")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 3")
    page.set_viewport_size({"width": REPORT_CONTENT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    # The charts redraw to the narrower page when their resize observer fires: wait for it, then measure.
    fits = f"() => document.documentElement.scrollWidth <= {REPORT_CONTENT_WIDTH}"
    page.wait_for_function(fits, timeout=5000)
    tables = page.eval_on_selector_all(
        "main table", "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert tables and all(left >= 0 and right <= REPORT_CONTENT_WIDTH + 1 for left, right in tables), tables
    text = page.locator("main").inner_text()
    assert "全年工作" in text and "党费支出明细" in text and "审批人" in text
    # Only the committee's copy names those who owe; the version read out gives their number.
    assert any(name in text for name in owers) == (copy == "committee/")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / f"report-{copy.strip('/') or 'all'}.pdf").write_bytes(pdf)
    assert 2 <= len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 8
