"""Browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Playwright's own browser download does not work here, so the tests launch /usr/bin/chromium
(installed by .ci/run). Without it the tests skip, and fail instead under REQUIRE_SERVICES=1.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from members.demo import BRANCH_NAME
from members.models import Branch
from tests.conftest import need_service

from .browser import PHONE_WIDTH, Browsing

# Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse ORM calls
# from the test itself (seeding, asserting on rows); they are plain synchronous calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": PHONE_WIDTH, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        need_service(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_branch(transactional_db):
    """The demo branch of `manage.py seed_demo`, with every app's demo data and the demo accounts."""
    call_command("seed_demo", stdout=io.StringIO())
    return Branch.objects.get(name=BRANCH_NAME)


def _open(browser, live_server, request, device: str):
    # Members read the portal in Chinese, as their phones ask for it.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **DEVICES[device])
    context.set_default_timeout(10_000)
    page = context.new_page()
    browsing = Browsing(page, device=device, test_name=request.node.name)
    yield page
    # The journey's last page, kept for people to look at (var/ is not committed).
    browsing.screenshot()
    context.close()
    browsing.assert_no_page_errors()


@pytest.fixture
def desktop_page(browser, live_server, demo_branch, request):
    """A 1280 × 800 window on the demo portal."""
    yield from _open(browser, live_server, request, "desktop")


@pytest.fixture
def phone_page(browser, live_server, demo_branch, request):
    """A 360 × 740 touch phone on the demo portal."""
    yield from _open(browser, live_server, request, "phone")


@pytest.fixture(params=["desktop", "phone"])
def page(request):
    """Each journey runs twice: in a desktop window and on a phone."""
    return request.getfixturevalue(f"{request.param}_page")
