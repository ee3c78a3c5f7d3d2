"""The accessibility audit: axe-core (from the npm registry, see the Makefile) and the portal's own
age-friendly rules for pages members use (DESIGN.md: text >= 18 px, 44 px tap targets, 360 px wide)."""

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
MIN_FONT_PX = 18
MIN_TARGET_PX = 44

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


def axe_available() -> bool:
    if AXE_JS.exists():
        return True
    if REQUIRE_SERVICES:
        pytest.fail(f"{AXE_MISSING}: the accessibility audit is required under REQUIRE_SERVICES=1")
    return False


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    page.wait_for_load_state()
    if not axe_available():
        warnings.warn(f"{AXE_MISSING}: accessibility audit skipped", stacklevel=2)
        return
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_JS, content_type="text/javascript"))
    page.add_script_tag(url=AXE_URL)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(_describe(v) for v in blocking)
    browsing(page).assert_no_problems_yet()


def _describe(violation: dict) -> str:
    lines = [f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:5]:
        lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    if len(violation["nodes"]) > 5:
        lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_age_friendly(page: Page) -> None:
    """A member-facing page: body text >= 18 px, tap targets >= 44 px, no sideways scrolling at 360 px."""
    page.wait_for_load_state()
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= MIN_FONT_PX, f"body text is {font_px} px on {page.url}"
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET_PX)
    assert not small, f"tap targets under {MIN_TARGET_PX} px on {page.url}:\n" + "\n".join(small)
    assert_no_sideways_scroll(page)


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing sticks out to the right: the page never scrolls sideways (checked on the phone)."""
    width = page.evaluate("() => window.innerWidth")
    if width > PHONE_WIDTH:
        return
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
        f"{page.url} scrolls sideways at {width} px ({scroll_width} px wide); widest elements:\n"
        + "\n".join(overflow)
    )
