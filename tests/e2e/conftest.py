"""Browser fixtures: Debian's Chromium, driven by Playwright, against the demo portal on a live server.

Playwright's own browser download does not work here, so the tests launch /usr/bin/chromium
(installed by .ci/run). Without it the tests skip, and fail instead under REQUIRE_SERVICES=1.

The demo branch (`manage.py seed_demo`, every app's demo data) is built once for the whole
package and served by one live server; the database is put back as it was afterwards. So the
tests here share that data: each journey reads what it needs from the database when it starts
(a member still due, the current living situation) and may run in any order. Do not request
`db`, `transactional_db` or `live_server` here: they would empty the database between tests.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import setup_databases, teardown_databases
from pytest_django.live_server_helper import LiveServer

from members.demo import BRANCH_NAME
from org.models import Branch
from tests.conftest import need_service

from .browser import PHONE_WIDTH, Browsing

# Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse ORM calls
# from the test itself (reading the demo data, asserting on rows); they are plain synchronous calls.
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


@pytest.fixture(scope="package")
def portal(browser, django_db_setup, django_db_blocker):
    """The demo portal on a live server, seeded once; the database is restored when the package ends."""
    connection = connections[DEFAULT_DB_ALIAS]
    with django_db_blocker.unblock():
        # pytest-django creates the test database only for tests that ask for `db`; when the browser
        # tests run alone, nothing has, and `default` still points at the real database.
        own_setup = None
        if not _is_test_database(connection):
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
        assert _is_test_database(connection)
        before = connection.creation.serialize_db_to_string()
        call_command("seed_demo", stdout=io.StringIO())
        server = LiveServer("localhost")
        try:
            yield server
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(before)
            if own_setup is not None:
                teardown_databases(own_setup, verbosity=0)


def _is_test_database(connection) -> bool:
    if connection.vendor == "sqlite":
        return connection.is_in_memory_db() or Path(connection.settings_dict["NAME"]).name.startswith("test")
    return str(connection.settings_dict["NAME"]).startswith("test_")


@pytest.fixture(autouse=True)
def _shared_database_only(request):
    clearing = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    assert not clearing, f"browser tests share the demo data; {clearing} would empty it (see conftest)"


@pytest.fixture
def demo_branch(portal):
    """The demo branch of `manage.py seed_demo`, with every app's demo data and the demo accounts."""
    return Branch.objects.get(name=BRANCH_NAME)


def _open(browser, portal, request, device: str):
    # Members read the portal in Chinese, as their phones ask for it. Reduced motion switches off
    # Bootstrap's transitions, so the audit never measures a colour halfway through a fade.
    context = browser.new_context(
        base_url=portal.url, locale="zh-CN", reduced_motion="reduce", **DEVICES[device]
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    browsing = Browsing(page, device=device, test_name=request.node.name)
    yield page
    # The journey's last page, kept for people to look at (var/ is not committed).
    browsing.screenshot()
    context.close()
    browsing.assert_no_page_errors()


@pytest.fixture
def desktop_page(browser, portal, request):
    """A 1280 × 800 window on the demo portal."""
    yield from _open(browser, portal, request, "desktop")


@pytest.fixture
def phone_page(browser, portal, request):
    """A 360 × 740 touch phone on the demo portal."""
    yield from _open(browser, portal, request, "phone")


@pytest.fixture(params=["desktop", "phone"])
def page(request):
    """Each journey runs twice: in a desktop window and on a phone."""
    return request.getfixturevalue(f"{request.param}_page")
