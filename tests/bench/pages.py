"""The pages the benchmark loads one at a time (the diagnosis beneath the mix), as whom, and their
queries and time per request.

Runs inside the runner's own Django (same settings and database as gunicorn), after django.setup().
"""

import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tooling.bench.base import ADMIN_USERNAME, BUREAU_NAME, USERNAME_PREFIX, committee_username

COMMITTEE = "committee"
SECRETARY = "secretary"
LIAISON = "liaison"
MEMBER = "member"
BUREAU = "bureau"
ADMIN = "admin"
ANONYMOUS = "anonymous"


@dataclass
class Page:
    key: str
    title: str
    # Candidate URL names, first that reverses wins: the apps name their pages as they land.
    url_names: list[str]
    user: str = COMMITTEE
    args: str = ""  # "member" (the branch's first active member) | "year" | ""
    url: str | None = None
    # Queries and the fastest of a few requests, one at a time, through the test client: the page's own cost.
    queries: int | None = None
    alone_ms: float | None = None
    status: int | None = None
    notes: list[str] = field(default_factory=list)


PAGES = [
    # Anonymous: a logged-in request pays for the session and user queries even on a public view.
    Page("bare", "bare view (/healthz/ping)", ["ping"], user=ANONYMOUS),
    Page("admin", "admin changelist of Member", ["admin:members_member_changelist"], user=ADMIN),
    Page("dashboard", "dashboard", ["home"]),
    Page("member_list", "member list", ["members:list"]),
    Page("member_detail", "member detail", ["members:detail"], args="member"),
    Page("member_sections", "member detail's sections (htmx)", ["member_sections"], args="member"),
    Page("contact_map", "contact map", ["members:contact_map"]),
    Page("visit_schedule", "visit schedule", ["visits:schedule", "visits:list", "visits:planned"]),
    Page("concerns", "concerns", ["visits:concerns", "visits:concern_list", "concerns:list"]),
    Page("study_list", "study list", ["study:list", "study:activity_list", "study:index"]),
    Page(
        "notices", "notices list", ["notifications:list", "notifications:notice_list", "notifications:index"]
    ),
    Page("dues_ledger", "dues ledger", ["dues:ledger", "dues:list", "dues:index"]),
    Page("annual_report", "annual report", ["dues:report", "dues:annual_report"], args="year"),
    Page("secretary_dashboard", "secretary's dashboard", ["home"], user=SECRETARY),
    Page("liaison_visit_new", "liaison's new visit", ["visits:new"], user=LIAISON),
    Page("member_home", "member's home", ["home"], user=MEMBER),
    Page("member_study", "member's study list", ["study:list"], user=MEMBER),
    # The rest of a member's day in the mix: their own page (and its sections) and their dues.
    Page("member_own_page", "member's own page", ["members:detail"], user=MEMBER, args="member"),
    Page("member_own_sections", "member's own sections", ["member_sections"], user=MEMBER, args="member"),
    Page("member_dues", "member's dues", ["dues:ledger"], user=MEMBER),
    # The bureau reads every branch of the bureau: 200 here.
    Page("bureau_home", "bureau's home", ["home"], user=BUREAU),
    Page("bureau_members", "bureau's member list", ["members:list"], user=BUREAU),
    Page("bureau_concerns", "bureau's escalations", ["visits:concerns"], user=BUREAU),
]


def bench_member() -> int:
    """The first active member of the bench bureau's first branch: the member pages' subject, and the
    member who logs in (mix.ensure_member_logins gives them a login on the throwaway copy)."""
    from members.models import Member

    member = (
        Member.objects.filter(branch__bureau__name=BUREAU_NAME, status="active")
        .order_by("branch_id", "pk")
        .first()
    )
    return member


def resolve(pages: list[Page]) -> list[Page]:
    """Sets each page's URL; pages whose app has not landed are returned without one."""
    year = timezone.localdate().year
    member_id = bench_member().pk
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


def user_for(role: str):
    from accounts.models import User

    from .mix import ensure_member_logins

    if role == MEMBER:
        member = bench_member()
        return ensure_member_logins([member.branch_id])[member.branch_id][0]
    names = {ADMIN: ADMIN_USERNAME, BUREAU: f"{USERNAME_PREFIX}bureau", COMMITTEE: committee_username(1)}
    return User.objects.get(username=names.get(role) or committee_username(1).replace(COMMITTEE, role))


def cookie_for(role: str) -> str:
    """A logged-in session of the role's bench user, as the Cookie header wrk sends."""
    from .mix import _login

    return "" if role == ANONYMOUS else _login(user_for(role))[0]


def admin_cookie() -> str:
    return cookie_for(ADMIN)


def count_queries(pages: list[Page]) -> None:
    """Each page's queries and its fastest time alone (of five), one request at a time."""
    clients = {}
    for page in pages:
        if not page.url:
            continue
        if page.user not in clients:
            clients[page.user] = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
            if page.user != ANONYMOUS:
                clients[page.user].force_login(user_for(page.user))
        client = clients[page.user]
        client.get(page.url)  # warms per-process caches
        page.queries, page.status = _queries(client, page.url)
        if page.status != 200:
            page.notes.append(f"status {page.status}")
        page.alone_ms = round(min(_timed_get(client, page.url) for _ in range(5)), 1)


def _queries(client, url: str) -> tuple[int, int]:
    """Queries of one request, counted by a wrapper on the connection (with DEBUG off and persistent
    connections, CaptureQueriesContext can miss them)."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    return len(executed), response.status_code


def _timed_get(client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000
