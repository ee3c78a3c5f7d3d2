"""The pages the benchmark loads, how to reach them as whom, and their queries per request.

Runs inside the runner's own Django (same settings and database as gunicorn), after django.setup().
"""

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from branch_portal.bench.base import ADMIN_USERNAME, BUREAU_NAME, PASSWORD, committee_username

COMMITTEE = "committee"
ADMIN = "admin"
ANONYMOUS = "anonymous"


@dataclass
class Page:
    key: str
    title: str
    # Candidate URL names, first that reverses wins: the apps name their pages as they land.
    url_names: list[str]
    user: str = COMMITTEE
    args: str = ""  # "member" | "year" | ""
    url: str | None = None
    # Queries and the fastest of a few requests, one at a time, through the test client: the page's
    # own cost when its body is rendered afresh, and when it comes from the cache.
    queries: int | None = None
    alone_ms: float | None = None
    cached_queries: int | None = None
    cached_ms: float | None = None
    status: int | None = None
    notes: list[str] = field(default_factory=list)


PAGES = [
    # Anonymous: a logged-in request pays for the session and user queries even on a public view.
    Page("bare", "bare view (/healthz/ping)", ["ping"], user=ANONYMOUS),
    Page("admin", "admin changelist of Member", ["admin:members_member_changelist"], user=ADMIN),
    Page("dashboard", "dashboard", ["home"]),
    Page("member_list", "member list", ["members:list"]),
    Page("member_detail", "member detail", ["members:detail"], args="member"),
    Page("contact_map", "contact map", ["members:contact_map"]),
    Page("visit_schedule", "visit schedule", ["visits:schedule", "visits:list", "visits:planned"]),
    Page("concerns", "concerns", ["visits:concerns", "visits:concern_list", "concerns:list"]),
    Page("study_list", "study list", ["study:list", "study:activity_list", "study:index"]),
    Page(
        "notices", "notices list", ["notifications:list", "notifications:notice_list", "notifications:index"]
    ),
    Page("dues_ledger", "dues ledger", ["dues:ledger", "dues:list", "dues:index"]),
    Page("annual_report", "annual report", ["dues:report", "dues:annual_report"], args="year"),
]


def bench_branch_and_member() -> tuple[int, int]:
    """The first branch of the bench bureau and its first active member (the detail page's subject)."""
    from members.models import Member

    member = (
        Member.objects.filter(branch__bureau__name=BUREAU_NAME, status="active")
        .order_by("branch_id", "pk")
        .first()
    )
    return member.branch_id, member.pk


def resolve(pages: list[Page], member_id: int) -> list[Page]:
    """Sets each page's URL; pages whose app has not landed are returned without one."""
    year = timezone.localdate().year
    for page in pages:
        for name in page.url_names:
            candidates = {"member": [[member_id]], "year": [[], [year], [year - 1]], "": [[]]}[page.args]
            for args in candidates:
                try:
                    page.url = reverse(name, args=args)
                    break
                except NoReverseMatch:
                    continue
            if page.url:
                break
    return pages


def users() -> dict[str, object]:
    from accounts.models import User

    return {
        COMMITTEE: User.objects.get(username=committee_username(1)),
        ADMIN: User.objects.get(username=ADMIN_USERNAME),
    }


def count_queries(pages: list[Page]) -> None:
    """Each page's queries and time alone, rendered afresh and served from the cache."""
    clients = {ANONYMOUS: Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)}
    for role, user in users().items():
        clients[role] = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        clients[role].force_login(user)
    for page in pages:
        if not page.url:
            continue
        client = clients[page.user]
        client.get(page.url)  # warms per-process caches
        page.queries, page.status = _queries(client, page.url)
        page.cached_queries, _status = _queries(client, page.url)
        if page.status != 200:
            page.notes.append(f"status {page.status}")
        page.alone_ms = round(min(_timed_get(client, page.url, afresh=True) for _ in range(3)), 1)
        page.cached_ms = round(min(_timed_get(client, page.url, afresh=False) for _ in range(3)), 1)


def _queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured.captured_queries), response.status_code


def _timed_get(client, url: str, afresh: bool) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def http_login(base_url: str, username: str) -> str:
    """Logs in through the login form like a browser; returns the Cookie header for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = base_url + reverse("accounts:login")
    page = opener.open(login_url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(login_url, data=form.encode(), headers={"Referer": login_url})
    opener.open(request, timeout=30).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"could not log in as {username}")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
