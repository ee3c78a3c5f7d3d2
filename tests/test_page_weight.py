"""Light on a phone (issue 15): every script deferred, Chart.js only where a chart is drawn, and only
the part of Bootstrap's CSS that the portal uses.

Every page of tests/surface.py that a role opens with 200 is read: a `<script src>` must be deferred
(or async), Bootstrap's script is not sent (portal.js folds the menu), and Chart.js is named only by a
page that has a chart to draw; the dashboard names it for dues.js to load when a chart nears the screen.
"""

import re
import sysconfig
from pathlib import Path

import pytest
from django.conf import settings

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


BOOTSTRAP = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap"
CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
# What `make css` gives PurgeCSS to read (the Makefile's CSS_SOURCES), and its safelist.
SITE = Path(sysconfig.get_paths()["purelib"])
SOURCES = [
    ("templates", "**/*.html"),
    ("static/js", "**/*.js"),
    *[(app.parent.name, "**/*.py") for app in Path(settings.BASE_DIR).glob("*/apps.py")],  # every app
    ("lib", "**/*.py"),  # the floor under the apps
]
PACKAGE_TEMPLATES = ["crispy_bootstrap5/templates", "django/forms/templates", "django_filters/templates"]
SAFELIST = {"show", "collapsed", "alert-success", "alert-info", "alert-warning", "alert-danger"}


def css_classes(path: Path) -> set[str]:
    css = re.sub(r"url\([^)]*\)", "", path.read_text())  # data URIs hold dots that are no classes
    return set(CSS_CLASS.findall(css))


def needed_classes(path: Path, named: set[str]) -> set[str]:
    """The classes of every selector of the CSS whose classes the sources all name (PurgeCSS keeps
    those selectors; one with a class nobody names, like `.icon-link>.bi`, may go)."""
    css = re.sub(r"url\([^)]*\)|\{[^{}]*\}", "{}", path.read_text())  # selectors, without rules' bodies
    needed = set()
    for selector in re.split(r"[{},]", css):
        classes = set(CSS_CLASS.findall(selector))
        if classes and classes <= named:
            needed |= classes
    return needed


def source_words() -> set[str]:
    """Every word of the sources, split as PurgeCSS's default extractor splits them."""
    files = [path for folder, pattern in SOURCES for path in (Path(settings.BASE_DIR) / folder).glob(pattern)]
    files += [path for folder in PACKAGE_TEMPLATES for path in (SITE / folder).glob("**/*.html")]
    return {word for path in files for word in re.findall(r"[A-Za-z0-9_-]+", path.read_text())}


def test_pages_link_the_part_of_bootstrap_the_portal_uses_and_it_holds_every_class_they_name():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    assert "bootstrap.used.min.css" in base and "bootstrap.min.css" not in base
    used = css_classes(BOOTSTRAP / "bootstrap.used.min.css")
    needed = needed_classes(BOOTSTRAP / "bootstrap.min.css", source_words() | SAFELIST)
    missing = sorted(needed - used)
    assert missing == [], f"run `make css`: Bootstrap classes named by the sources but cut: {missing}"
    assert len(used) < len(css_classes(BOOTSTRAP / "bootstrap.min.css")) / 2
