"""The attack surface: every URL of the URL conf has an expected answer for every role.

A new URL fails `test_every_url_has_an_expectation` until it has a line in tests/surface.py.
Empty POSTs (with a valid CSRF token) by every role answer as POSTS says, never 500, show no
row of another branch, redirect nowhere off the site and, when refused, change nothing; an
object URL answers a user of another branch 404, and anyone an id of no row 404; no POST gets
through without a CSRF token; junk in the query string is never a 500.

The Django admin is one group: it is for staff, and none of the cast is staff. Its pages send
them to a login (the admin's; anonymous users on a model page meet the portal's first, from
LoginRequiredMiddleware), and a POST there changes nothing.
"""

import logging
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.crypto import get_random_string

from tests.surface import (
    NOT_LOGGED_IN,
    NOT_OBJECT_ARGS,
    PAGES,
    POSTS,
    REFUSED,
    ROLES,
    SESSION_SECRET_URLS,
    assert_answer,
    database_state,
    leaked,
    sign_in,
)

ADMIN = "admin"
OFFSITE = "https://evil.example/"  # every probe's `next`: no redirect may leave the site


def url_patterns(resolver=None, namespace="", prefix=""):
    """(namespaced name or None, route, pattern) for every view of the URL conf, through includes."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner, route)
        elif isinstance(pattern, URLPattern):
            yield (namespace + pattern.name if pattern.name else None), route, pattern


def portal_patterns():
    return [(name, route, p) for name, route, p in url_patterns() if not route.startswith(f"{ADMIN}/")]


def accepts_post(view) -> bool:
    """True if the view handles POST: a class view with post(), or a function (or one of its
    decorators, e.g. require_POST) that names POST. Read from the code objects, not the source
    files, which may have changed since they were imported."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    while view is not None:
        cells = [cell.cell_contents for cell in view.__closure__ or ()]
        named = [*view.__code__.co_names, *view.__code__.co_consts, *cells]
        if any(item == "POST" or (isinstance(item, list) and "POST" in item) for item in named):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def object_arguments(pattern) -> set[str]:
    return set(pattern.pattern.converters) - NOT_OBJECT_ARGS


# Coverage: the tables in tests/surface.py name every URL.


def test_every_url_has_a_name():
    unnamed = [route for name, route, _ in portal_patterns() if name is None]
    assert not unnamed, f"Name these URLs so the attack surface can list them: {unnamed}"


def test_every_url_has_an_expectation():
    declared = {page.name for page in PAGES + POSTS}
    missing = sorted({name for name, _, _ in portal_patterns()} - declared)
    assert not missing, f"Add a line to PAGES or POSTS in tests/surface.py for: {missing}"


def test_every_url_accepting_post_has_a_post_expectation():
    posted = {page.name for page in POSTS}
    missing = sorted(
        name for name, _, p in portal_patterns() if accepts_post(p.callback) and name not in posted
    )
    assert not missing, f"Add a line to POSTS in tests/surface.py for: {missing}"


def test_every_object_url_is_probed_with_a_row_of_the_cast():
    """Every object URL has a line pointing at a row of the cast's branch, and each such line
    answers the stranger 404: a 403 or 200 would tell them the row exists, or show it."""
    unprobed, answered = [], []
    for name, _, pattern in portal_patterns():
        if not object_arguments(pattern) or name in SESSION_SECRET_URLS:
            continue
        lines = [page for page in PAGES + POSTS if page.name == name and page.args]
        if not lines:
            unprobed.append(name)
        answered += [str(page) for page in lines if page.expected["stranger"] != 404]
    assert not unprobed, f"Probe these object URLs with a row of the cast: {unprobed}"
    assert not answered, f"A stranger must get 404 from: {answered}"


def test_every_member_row_url_is_probed_with_another_members_row():
    """Where a member may see their own row, another member's row must be a 404 to them."""
    own_row = {page.name for page in PAGES + POSTS if "own_member" in page.args}
    probed = {
        page.name for page in PAGES + POSTS if "member" in page.args and page.expected["member"] in {403, 404}
    }
    assert not own_row - probed, f"Probe these with another member's row: {sorted(own_row - probed)}"


# POST probes.


def csrf_client(surface_world, role: str) -> tuple[Client, str]:
    """A client that checks CSRF like a browser does, logged in as `role`, with a valid token."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, surface_world, role)
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


@pytest.fixture
def csrf_failures(caplog):
    """The requests refused by the CSRF check so far (Django logs each one)."""
    caplog.set_level(logging.WARNING, logger="django.security.csrf")
    return lambda: [r for r in caplog.records if r.name == "django.security.csrf"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", POSTS, ids=str)
def test_empty_post_answers_each_role_as_designed(db, surface_world, page, role, csrf_failures):
    client, token = csrf_client(surface_world, role)
    expected = page.expected[role]
    before = database_state(page.objects(surface_world))

    body = {"csrfmiddlewaretoken": token, "next": OFFSITE, **page.params(surface_world)}
    response = client.post(page.url(surface_world), body)

    assert not csrf_failures(), "the token was sent: this answer is the view's own"
    assert_answer(response, expected)
    assert not leaked(response, role, surface_world)
    assert urlsplit(response.get("Location", "")).netloc in {"", "testserver"}, "an open redirect"
    if expected in REFUSED or not page.writes or (role == "stranger" and page.objects(surface_world)):
        assert database_state(page.objects(surface_world)) == before


@pytest.mark.parametrize("page", [p for p in POSTS if p.name not in {q.name for q in PAGES}], ids=str)
def test_post_only_url_refuses_get(client, db, surface_world, page):
    client.force_login(surface_world["users"]["secretary"])
    assert client.get(page.url(surface_world)).status_code == 405


# CSRF: every POST needs the token (with it, test_empty_post_answers_each_role_as_designed).


@pytest.mark.parametrize("role", ["anonymous", "secretary"])
@pytest.mark.parametrize("page", POSTS, ids=str)
def test_post_without_csrf_token_is_refused(db, surface_world, page, role, csrf_failures):
    client, _ = csrf_client(surface_world, role)
    before = database_state(page.objects(surface_world))

    response = client.post(page.url(surface_world), page.params(surface_world))

    assert response.status_code == 403
    assert csrf_failures()
    assert database_state(page.objects(surface_world)) == before


# The bureau of another bureau: read access reaches branches by its own path, so it is probed
# on every line too (not a column of the tables: it may do little, and nothing of the cast's).


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_another_bureau_reads_nothing_of_the_cast(client, db, surface_world, page):
    client.force_login(surface_world["users"]["other_bureau"])

    response = client.get(page.url(surface_world), page.params(surface_world))

    assert response.status_code < 500
    assert not leaked(response, "other_bureau", surface_world)
    if any(isinstance(arg, str) for arg in page.args) and page.name not in SESSION_SECRET_URLS:
        assert response.status_code in {403, 404}  # a row of the cast's branch in the path


@pytest.mark.parametrize("page", POSTS, ids=str)
def test_another_bureau_changes_nothing_of_the_cast(db, surface_world, page):
    client, token = csrf_client(surface_world, "other_bureau")
    before = database_state(page.objects(surface_world))

    response = client.post(
        page.url(surface_world), {"csrfmiddlewaretoken": token, **page.params(surface_world)}
    )

    assert response.status_code < 500
    assert not leaked(response, "other_bureau", surface_world)
    if page.objects(surface_world):
        assert database_state(page.objects(surface_world)) == before


# Ids of no row: derived from the URL conf, so a new object URL is probed without a line.
OBJECT_URLS = [
    (name, p) for name, _, p in portal_patterns() if object_arguments(p) and name not in SESSION_SECRET_URLS
]


@pytest.mark.parametrize("row_id", [0, 2**63])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "pattern"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
def test_an_id_of_no_row_is_404(db, surface_world, name, pattern, method, row_id):
    """Even for the secretary, who may do everything: 404 (405 for a GET of a POST-only URL)."""
    client, token = csrf_client(surface_world, "secretary")
    kwargs = {arg: 2026 if arg in NOT_OBJECT_ARGS else row_id for arg in pattern.pattern.converters}

    response = getattr(client, method)(reverse(name, kwargs=kwargs), {"csrfmiddlewaretoken": token})

    assert response.status_code in ({404, 405} if method == "get" else {404})


# Junk in the query string: every parameter a view or filter reads (grep request.GET and the
# FilterSets), set to what is not an id, a year or a month, is refused or ignored, never a 500.
QUERY_PARAMETERS = (
    "action age branch care contact_group direction district kind member month page payment-first_month "
    "payment-last_month payment-member planned purpose q scope status template token view year"
).split()


@pytest.mark.parametrize("junk", ["abc", "-1", "9" * 30, "²", "2026-13", "\x00"])
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_junk_in_the_query_string_is_never_a_server_error(client, db, surface_world, page, junk):
    client.force_login(surface_world["users"]["secretary"])
    response = client.get(page.url(surface_world), dict.fromkeys(QUERY_PARAMETERS, junk))
    assert response.status_code < 500


# The admin, as one group.


def login_of(role: str, model_page: bool = False) -> str:
    """Non-staff users go to the admin's login; anonymous ones to the portal's, except from the index."""
    if role in NOT_LOGGED_IN and model_page:
        return reverse("accounts:login")
    return reverse("admin:login")


ADMIN_PAGES = ["admin:index", "admin:members_member_changelist", "admin:members_healthrecord_changelist"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_sends_everyone_of_the_cast_to_a_login(client, db, surface_world, name, role):
    sign_in(client, surface_world, role)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(login_of(role, model_page=name != "admin:index"))


@pytest.mark.parametrize("role", ROLES)
def test_admin_change_by_post_changes_nothing(db, surface_world, role):
    client, token = csrf_client(surface_world, role)
    member = surface_world["member"]
    before = database_state([member])

    response = client.post(
        reverse("admin:members_member_change", args=[member.pk]),
        {"csrfmiddlewaretoken": token, "name": "改名"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(login_of(role, model_page=True))
    assert database_state([member]) == before
