"""What every journey does in the browser: log in, and watch the page for errors the user would hit."""

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from members.demo import DEMO_PASSWORD

PHONE_WIDTH = 360
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"
CSP_REFUSAL = re.compile(r"Content Security Policy|Refused to (execute|apply|load)", re.IGNORECASE)


class Browsing:
    """Collects what went wrong on a page: script errors, CSP refusals, missing assets, server errors."""

    registry: dict[int, "Browsing"] = {}

    def __init__(self, page: Page, *, device: str, test_name: str):
        self.page = page
        self.device = device
        self.test_name = test_name
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        Browsing.registry[id(page)] = self

    def _console(self, message) -> None:
        if message.type == "error" and CSP_REFUSAL.search(message.text):
            self.problems.append(f"CSP refusal: {message.text}")

    def _response(self, response) -> None:
        asset = response.request.resource_type in {"script", "stylesheet", "font", "image"}
        if response.status >= 500 or (response.status >= 400 and asset):
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    def assert_no_problems_yet(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def assert_no_page_errors(self) -> None:
        Browsing.registry.pop(id(self.page), None)
        assert not self.problems, "\n".join(self.problems)

    def screenshot(self) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', self.test_name).strip('_')}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


def browsing(page: Page) -> Browsing:
    return Browsing.registry[id(page)]


def is_phone(page: Page) -> bool:
    return browsing(page).device == "phone"


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login page as a person would, and land on the dashboard."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    # The password form's button (the page also has the form that sends an SMS code).
    page.locator("main form", has=page.locator("#id_password")).locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def open_menu(page: Page) -> None:
    """On a phone the main menu folds behind the menu button: open it before choosing a section."""
    page.wait_for_load_state()  # Bootstrap's script (deferred) must be listening before the tap
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        # "show" comes when the menu has finished unfolding; a tap during the animation can miss.
        expect(page.locator("#portal-nav")).to_have_class(re.compile(r"\bshow\b"))
