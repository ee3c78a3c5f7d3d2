"""One page view, at most one follow-up request (issue 15): a page's content arrives with it, or with
one htmx request fired on load, never as a cascade of panels; and few files besides.

Every page of tests/surface.py is opened by each role it answers with 200, and the elements that
fire a request as soon as the page loads (`hx-trigger` with `load`, `revealed` or `intersect`) are counted,
with the stylesheets (which block the first paint) and scripts it links.
"""

import re

import pytest
from django.urls import reverse

from tests.surface import PAGES

pytestmark = pytest.mark.django_db

FIRED_ON_LOAD = re.compile(r"""hx-trigger=["'][^"']*\b(load|revealed|intersect)\b""")
STYLESHEET = re.compile(r"""<link\b[^>]*\brel=["']stylesheet["']""")
SCRIPT = re.compile(r"<script\b[^>]*\bsrc=")
# Bootstrap's used part, portal.css and the page's own (the member's home: its own and the notice cards');
# htmx, portal.js, the idle-session warning, the page's own script and Chart.js where a chart is drawn
# (the report, the committee's /study/); the page, its files, its follow-up and the favicon. As now: lower
# them as pages shed files, never raise them.
MOST_STYLESHEETS, MOST_SCRIPTS, MOST_REQUESTS = 4, 5, 1 + 3 + 5 + 1 + 1
ROLES = ["secretary", "liaison", "member", "bureau"]


def follow_ups(html: str) -> int:
    return len(FIRED_ON_LOAD.findall(html))


def pages_html(client, world, role: str) -> dict[str, str]:
    client.force_login(world["users"][role])
    found = {}
    for page in PAGES:
        if page.expected.get(role) != 200:
            continue
        response = client.get(page.url(world), page.params(world))
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            found[str(page)] = response.content.decode()
    assert found, "no page was opened"
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_page_needs_more_than_one_follow_up_request(client, surface_world, role):
    counted = {page: follow_ups(html) for page, html in pages_html(client, surface_world, role).items()}
    assert {page: n for page, n in counted.items() if n > 1} == {}


@pytest.mark.parametrize("role", ROLES)
def test_a_page_view_makes_few_requests(client, surface_world, role):
    over = {}
    for page, html in pages_html(client, surface_world, role).items():
        sheets, scripts = len(STYLESHEET.findall(html)), len(SCRIPT.findall(html))
        requests = 1 + sheets + scripts + follow_ups(html) + 1  # the page, its files, follow-ups, favicon
        if sheets > MOST_STYLESHEETS or scripts > MOST_SCRIPTS or requests > MOST_REQUESTS:
            over[page] = (sheets, scripts, requests)
    assert over == {}


def test_member_page_loads_its_sections_in_one_request(client, surface_world):
    member = surface_world["own_member"]
    client.force_login(surface_world["users"]["secretary"])
    html = client.get(member.get_absolute_url()).content.decode()

    assert follow_ups(html) == 1
    assert f'hx-get="{reverse("member_sections", args=[member.pk])}"' in html
