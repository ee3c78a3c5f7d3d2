"""One page view, at most one follow-up request (issue 15): a page's content arrives with it, or with
one htmx request fired on load, never as a cascade of panels.

Every page of tests/surface.py is opened by each role it answers with 200, and the elements that
fire a request as soon as the page loads (`hx-trigger` with `load`, `revealed` or `intersect`) are counted.
"""

import re

import pytest
from django.urls import reverse

from tests.surface import PAGES

pytestmark = pytest.mark.django_db

FIRED_ON_LOAD = re.compile(r"""hx-trigger=["'][^"']*\b(load|revealed|intersect)\b""")
ROLES = ["secretary", "liaison", "member", "bureau"]


def follow_ups(html: str) -> int:
    return len(FIRED_ON_LOAD.findall(html))


@pytest.mark.parametrize("role", ROLES)
def test_no_page_needs_more_than_one_follow_up_request(client, surface_world, role):
    client.force_login(surface_world["users"][role])
    counted = {}
    for page in PAGES:
        if page.expected.get(role) != 200:
            continue
        response = client.get(page.url(surface_world), page.params(surface_world))
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            counted[str(page)] = follow_ups(response.content.decode())
    assert counted, "no page was opened"
    assert {page: n for page, n in counted.items() if n > 1} == {}


def test_member_page_loads_its_sections_in_one_request(client, surface_world):
    member = surface_world["own_member"]
    client.force_login(surface_world["users"]["secretary"])
    html = client.get(member.get_absolute_url()).content.decode()

    assert follow_ups(html) == 1
    assert f'hx-get="{reverse("member_sections", args=[member.pk])}"' in html
