"""The accessibility audit: axe-core (from the npm registry, see the Makefile) and the portal's own
age-friendly rules (DESIGN.md). Pages a member or family proxy opens meet the stricter numbers: text
>= 20 px, contrast >= 7:1 (WCAG AAA, axe's color-contrast-enhanced), tap targets >= 48 x 48 px, no
sideways scrolling at 320 px at any text size, the text-size switch in the header. Pages only carers
use on a phone: text >= 18 px, targets >= 44 px high, no sideways scrolling at 360 px."""

import warnings
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

from tests.conftest import REQUIRE_SERVICES

from .browser import PHONE_WIDTH, browsing

AXE_JS = Path(settings.BASE_DIR) / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = f"{AXE_JS} is missing (`make test` installs axe-core with npm)"
# A same-origin address the browser fetches axe from, answered by Playwright itself: the portal's
# Content-Security-Policy (script-src 'self') stays switched on, so the journeys also catch pages
# that only work with inline scripts or styles.
AXE_URL = "/__e2e__/axe.min.js"
BLOCKING = {"serious", "critical"}
MIN_FONT_PX = 18  # carers' pages
MIN_TARGET_PX = 44
MEMBER_FONT_PX = 20  # members' and proxies' pages
MEMBER_TARGET_PX = 48
NARROWEST_PX = 320
TEXT_SIZES = ("standard", "large", "xlarge")  # html[data-text-size], set from the user's choice
AAA_CONTRAST = "color-contrast-enhanced"

# Buttons and links in the main content smaller than a finger. A link inside a sentence is exempt
# (WCAG 2.5.8): its height is the line's, and the sentence around it spaces it from other targets.
SMALL_TARGETS_JS = """
(minimum) => {
  const small = [];
  const targets = document.querySelectorAll(
    "main a[href], main button, main input[type=submit], main input[type=button], " +
    "main select, main [role=button]"
  );
  for (const el of targets) {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!rect.width || !rect.height || style.visibility === "hidden") continue;
    if (el.tagName === "A" && style.display === "inline") {
      const around = el.parentElement.innerText.trim().length;
      if (around > el.innerText.trim().length) continue;
    }
    if (rect.height < minimum) {
      small.push(`${el.outerHTML.slice(0, 120)} is ${Math.round(rect.height)} px high`);
    }
  }
  return small;
}
"""


# Every tap target on the page, header and footer included, narrower or lower than a finger. The
# same exemption for a link inside a sentence; a skip link counts only once it is focused and shown.
MEMBER_TARGETS_JS = """
(minimum) => {
  const small = [];
  const targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"
  );
  for (const el of targets) {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === "hidden") continue;
    if (el.matches(".visually-hidden-focusable:not(:focus)")) continue;
    // A box with a label is tapped on its label.
    if (el.matches("input[type=checkbox], input[type=radio]") && el.labels.length) continue;
    if (el.tagName === "A" && style.display === "inline") {
      const around = el.parentElement.innerText.trim().length;
      if (around > el.innerText.trim().length) continue;
    }
    if (rect.height < minimum || rect.width < minimum) {
      const size = `${Math.round(rect.width)} x ${Math.round(rect.height)} px`;
      small.push(`${el.outerHTML.slice(0, 120)} is ${size}`);
    }
  }
  return small;
}
"""

# Every visible element holding text of its own, smaller than the minimum.
SMALL_TEXT_JS = """
(minimum) => [...document.querySelectorAll("body *")]
  .filter((el) => [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .filter((el) => el.getClientRects().length && !el.closest(".visually-hidden, .visually-hidden-focusable"))
  .filter((el) => parseFloat(getComputedStyle(el).fontSize) < minimum)
  .map((el) => `${el.tagName} ${getComputedStyle(el).fontSize}: ${el.textContent.trim().slice(0, 30)}`)
"""


def axe_available() -> bool:
    if AXE_JS.exists():
        return True
    if REQUIRE_SERVICES:
        pytest.fail(f"{AXE_MISSING}: the accessibility audit is required under REQUIRE_SERVICES=1")
    return False


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = _axe(page, "() => axe.run(document, {resultTypes: ['violations']})")
    if results is None:
        return
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(_describe(v) for v in blocking)
    browsing(page).assert_no_problems_yet()


def assert_aaa_contrast(page: Page) -> None:
    """axe-core's AAA contrast rule (7:1, large text 4.5:1) finds no violation of any impact."""
    script = f"() => axe.run(document, {{runOnly: ['{AAA_CONTRAST}'], resultTypes: ['violations']}})"
    results = _axe(page, script)
    if results is None:
        return
    violations = results["violations"]
    assert not violations, f"AAA contrast on {page.url}:\n" + "\n".join(_describe(v) for v in violations)


def _axe(page: Page, script: str) -> dict | None:
    """axe-core's answer to the script on the page as it is now; None (warned) when axe is missing."""
    page.wait_for_load_state()
    if not axe_available():
        warnings.warn(f"{AXE_MISSING}: accessibility audit skipped", stacklevel=3)
        return None
    if not page.evaluate("() => Boolean(window.axe)"):
        page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_JS, content_type="text/javascript"))
        page.add_script_tag(url=AXE_URL)
    return page.evaluate(script)


def _describe(violation: dict) -> str:
    lines = [f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:5]:
        lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    if len(violation["nodes"]) > 5:
        lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


# A date, a time or a phone number split across two lines: "12" at the end of one, "月11日" below, or
# "138 7259" above "9603". Each figure is matched in its text node and measured as a Range.
BROKEN_FIGURES_JS = r"""
() => {
  const figure = /\d{1,2}月\d{1,2}日|[上下]午\d{1,2}:\d{2}|\b1\d{2} \d{4} \d{4}\b|\b0\d{2,3} \d{4} \d{4}\b/g;
  const broken = [];
  const root = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.getClientRects().length) continue;
    for (const match of node.textContent.matchAll(figure)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(`${match[0]} in "${node.textContent.trim().slice(0, 40)}"`);
    }
  }
  return broken;
}
"""


def assert_figures_unbroken(page: Page) -> None:
    """No date, time or phone number is split across lines, at any text size, on the page as it is now."""
    chosen = page.evaluate("() => document.documentElement.dataset.textSize")
    try:
        for size in TEXT_SIZES:
            page.evaluate("(size) => { document.documentElement.dataset.textSize = size; }", size)
            broken = page.evaluate(BROKEN_FIGURES_JS)
            assert not broken, f"split across lines on {page.url} at text size {size}:\n" + "\n".join(broken)
    finally:
        page.evaluate("(size) => { document.documentElement.dataset.textSize = size; }", chosen)


def assert_age_friendly(page: Page) -> None:
    """A page a member or family proxy opens: text >= 20 px everywhere, contrast >= 7:1, every tap target
    >= 48 x 48 px, the text-size switch in the header, no sideways scrolling at 320 px at any text size."""
    page.wait_for_load_state()
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= MEMBER_FONT_PX, f"body text is {font_px} px on {page.url}"
    small_text = page.evaluate(SMALL_TEXT_JS, MEMBER_FONT_PX)
    assert not small_text, f"text under {MEMBER_FONT_PX} px on {page.url}:\n" + "\n".join(small_text[:10])
    small = page.evaluate(MEMBER_TARGETS_JS, MEMBER_TARGET_PX)
    limit = f"{MEMBER_TARGET_PX} x {MEMBER_TARGET_PX} px"
    assert not small, f"tap targets under {limit} on {page.url}:\n" + "\n".join(small)
    assert_aaa_contrast(page)
    assert_text_size_switch_in_header(page)
    assert_reflows_at_320_px(page)


def assert_carer_friendly(page: Page) -> None:
    """A page carers use on a phone: body text >= 18 px, tap targets >= 44 px high, no sideways scrolling."""
    page.wait_for_load_state()
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= MIN_FONT_PX, f"body text is {font_px} px on {page.url}"
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET_PX)
    assert not small, f"tap targets under {MIN_TARGET_PX} px on {page.url}:\n" + "\n".join(small)
    assert_no_sideways_scroll(page)


def assert_text_size_switch_in_header(page: Page) -> None:
    """Logged in, the text-size switch is at the top of the page, visible without opening the menu."""
    if not page.locator("form[action$='/accounts/logout/']").count():
        return  # the login page: nobody to remember a size for yet
    switch = page.locator("header form[action$='/accounts/text-size/']")
    assert switch.is_visible(), f"no text-size switch in the header of {page.url}"
    assert switch.locator("button").count() == len(TEXT_SIZES)


def assert_reflows_at_320_px(page: Page) -> None:
    """At 320 px and each text size the page never scrolls sideways; the window is put back after."""
    viewport = page.viewport_size
    chosen = page.evaluate("() => document.documentElement.dataset.textSize")
    page.set_viewport_size({"width": NARROWEST_PX, "height": viewport["height"]})
    try:
        for size in TEXT_SIZES:
            page.evaluate("(size) => { document.documentElement.dataset.textSize = size; }", size)
            _wait_for_a_frame(page)
            _assert_no_overflow(page, f"at text size {size}")
    finally:
        page.evaluate("(size) => { document.documentElement.dataset.textSize = size; }", chosen)
        page.set_viewport_size(viewport)


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing sticks out to the right: the page never scrolls sideways (checked on the phone)."""
    if page.evaluate("() => window.innerWidth") > PHONE_WIDTH:
        return
    _assert_no_overflow(page, "")


def _wait_for_a_frame(page: Page) -> None:
    """Measure what the reader sees: the page as drawn after a resize, once scripts that follow the
    window's size (Chart.js's resize observer) have run, not the layout of the instant in between."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _assert_no_overflow(page: Page, when: str) -> None:
    width = page.evaluate("() => window.innerWidth")
    overflow = page.evaluate(
        """() => {
          const limit = window.innerWidth;
          if (document.documentElement.scrollWidth <= limit) return [];
          return [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > limit + 1)
            .slice(-5)
            .map((el) => el.outerHTML.slice(0, 120));
        }"""
    )
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls sideways at {width} px {when} ({scroll_width} px wide); widest elements:\n"
        + "\n".join(overflow)
    )
