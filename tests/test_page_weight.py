"""Light on a phone (issue 15): every script deferred, and Chart.js only where a chart is drawn.

Every page of tests/surface.py that a role opens with 200 is read: a `<script src>` must be deferred
(or async), Bootstrap's script is not sent (portal.js folds the menu), and Chart.js is named only by a
page that has a chart to draw; the dashboard names it for dues.js to load when a chart nears the screen.
"""

import re

import pytest

from tests.surface import PAGES

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>")
CHART = re.compile(r"<canvas\b[^>]*(data-chart|study-chart)")


def pages_as(client, world, role: str):
    client.force_login(world["users"][role])
    for page in PAGES:
        if page.expected.get(role) != 200:
            continue
        response = client.get(page.url(world), page.params(world))
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            yield str(page), response.content.decode()


@pytest.mark.parametrize("role", ["secretary", "liaison", "member"])
def test_scripts_are_deferred_and_chartjs_comes_only_with_a_chart(client, surface_world, role):
    blocking, needless_chartjs, bootstrap = [], [], []
    for name, html in pages_as(client, surface_world, role):
        for attributes in SCRIPT.findall(html):
            if "src=" in attributes and not re.search(r"\b(defer|async)\b", attributes):
                blocking.append((name, attributes))
        if "chart.umd" in html and not CHART.search(html):
            needless_chartjs.append(name)
        if "bootstrap.bundle" in html:
            bootstrap.append(name)
    assert blocking == []
    assert needless_chartjs == []
    assert bootstrap == []


def test_dashboard_loads_chartjs_only_when_a_chart_comes_near(client, surface_world):
    client.force_login(surface_world["users"]["secretary"])
    html = client.get("/").content.decode()

    assert CHART.search(html)
    assert not re.search(r"<script[^>]*src=\"[^\"]*chart\.umd", html)
    assert re.search(r"<script[^>]*src=\"[^\"]*dues[^\"]*\.js\"[^>]*data-chartjs=\"[^\"]*chart\.umd", html)
