"""The benchmark's headline: a day of the bench bureau as browsers meet the portal (issue 15).

Sessions of every role over many branches (members, liaison officers, committee members and
secretaries, the bureau), each opening its role's pages in turn together with the requests the page
fires as it loads (htmx `hx-trigger="load"`, found by opening each kind of page once), and 5 % writes
spread over the branches (a visit recorded at the door, attendance marked on a study day). wrk plays
the list round-robin over its connections (load.run_wrk); a Celery worker and beat run beside
gunicorn as in production, and the hourly visit planner fires once in each measured round.

Runs inside the runner's Django, on the throwaway copy of the bench database (services.database_copy):
the logins, sessions and writes it makes vanish with the copy.
"""

import random
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tooling.bench.base import BUREAU_NAME, USERNAME_PREFIX

FIRED_ON_LOAD = re.compile(
    r"""<[^>]*\bhx-get=["']([^"']+)["'][^>]*\bhx-trigger=["'][^"']*\bload\b"""
    r"""|<[^>]*\bhx-trigger=["'][^"']*\bload\b[^>]*\bhx-get=["']([^"']+)["']"""
)
WRITE_SHARE = 0.05
# Sessions per role, and branches they come from: the bureau's one account is open in several places.
SESSIONS = {"member": 100, "liaison": 50, "committee": 30, "secretary": 30, "bureau": 20}
BRANCHES = 120


@dataclass
class Session:
    role: str
    user_id: int
    branch_id: int
    cookie: str = ""
    csrf: str = ""
    member_id: int | None = None  # whose page the session opens (their own, for a member)
    activity_id: int | None = None  # the study day whose attendance a carer marks
    members: list[int] = field(default_factory=list)


def role_pages(role: str, session: Session, year: int) -> list[str]:
    """The pages of a role's day, each opened once per cycle, in the order of the list."""
    member_page = reverse("members:detail", args=[session.member_id])
    common = [reverse("home"), reverse("study:list"), reverse("notifications:list")]
    pages = {
        "member": [*common, member_page, reverse("dues:ledger")],
        "liaison": [
            *common,
            reverse("visits:new"),
            reverse("visits:schedule"),
            reverse("members:list"),
            member_page,
            reverse("visits:concerns"),
            reverse("members:contact_map"),
        ],
        "committee": [
            *common,
            reverse("members:list"),
            member_page,
            reverse("visits:schedule"),
            reverse("visits:concerns"),
            reverse("members:contact_map"),
            reverse("dues:ledger"),
        ],
        "bureau": [reverse("home"), reverse("visits:concerns"), reverse("members:list"), member_page],
    }
    pages["secretary"] = [*pages["committee"], reverse("dues:report", args=[year])]
    return pages[role]


def build_sessions(rng: random.Random) -> list[Session]:
    """Logs in (as Django's login does, without the password hash's cost) every session of the mix."""
    from accounts.models import User
    from org.models import Branch

    branches = list(
        Branch.objects.filter(bureau__name=BUREAU_NAME).order_by("pk").values_list("pk", flat=True)[:BRANCHES]
    )
    member_logins = ensure_member_logins(branches)
    members, activities = _branch_rows(branches)
    users = {u.username: u for u in User.objects.filter(username__startswith=USERNAME_PREFIX, is_active=True)}
    sessions = []
    for role, count in SESSIONS.items():
        for n in range(count):
            spread = n if role == "member" else n * 7 + len(sessions)
            branch_id = branches[spread % len(branches)]
            number = branches.index(branch_id) + 1
            if role == "member":
                user, own = member_logins[branch_id]
            else:
                name = "bureau" if role == "bureau" else f"b{number:04d}-{role}"
                user, own = users[USERNAME_PREFIX + name], None
            session = Session(role, user.pk, branch_id, members=members[branch_id])
            session.member_id = own or rng.choice(members[branch_id])
            session.activity_id = activities.get(branch_id)
            session.cookie, session.csrf = _login(user)
            sessions.append(session)
    return sessions


def ensure_member_logins(branch_ids: list[int]) -> dict[int, tuple]:
    """A login for the first active member of each branch (the seed makes none), with their member role."""
    from accounts.models import BranchRole, User
    from members.models import Member

    logins = {}
    for branch_id in branch_ids:
        member = Member.objects.filter(branch_id=branch_id, status="active").order_by("pk").first()
        if member.user_id is None:
            user = User.objects.create(username=f"{USERNAME_PREFIX}m{member.pk}", last_name=member.name)
            BranchRole.objects.create(user=user, branch_id=branch_id, role=BranchRole.Role.MEMBER)
            Member.objects.filter(pk=member.pk).update(user=user)
        logins[branch_id] = (User.objects.get(member__pk=member.pk), member.pk)
    return logins


def _branch_rows(branch_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Each branch's active members, and its latest study day already held (for attendance)."""
    from members.models import Member
    from study.models import StudyActivity

    members: dict[int, list[int]] = {}
    for pk, branch_id in Member.objects.filter(branch_id__in=branch_ids, status="active").values_list(
        "pk", "branch_id"
    ):
        members.setdefault(branch_id, []).append(pk)
    activities = {}
    today = timezone.localdate()
    held = StudyActivity.objects.filter(
        branches__in=branch_ids, kind=StudyActivity.Kind.MONTHLY, date__lte=today
    ).order_by("-date")
    for pk, branch_id in held.values_list("pk", "branches"):
        activities.setdefault(branch_id, pk)
    return members, activities


def _backend() -> str:
    """The backend Django's test client logs in with: the first that can load a user."""
    for path in settings.AUTHENTICATION_BACKENDS:
        if hasattr(load_backend(path), "get_user"):
            return path
    raise RuntimeError("no authentication backend loads users")


def _login(user) -> tuple[str, str]:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = _backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = secrets.token_hex(16)  # a 32-character secret: Django's cookie form, sent back as the header
    return f"sessionid={session.session_key}; csrftoken={csrf}", csrf


def follow_ups(sessions: list[Session], year: int) -> dict[tuple[str, str], list[str]]:
    """The requests each kind of page fires as it loads, per role: found by opening it once.

    The page's own ids in a follow-up's URL become "{member}", filled in for each session."""
    from accounts.models import User

    found: dict[tuple[str, str], list[str]] = {}
    seen_roles = set()
    for session in sessions:
        if session.role in seen_roles:
            continue
        seen_roles.add(session.role)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(pk=session.user_id))
        for url in role_pages(session.role, session, year):
            html = client.get(url).content.decode()
            urls = [a or b for a, b in FIRED_ON_LOAD.findall(html)]
            key = (session.role, _kind(url, session))
            found[key] = [u.replace(f"/{session.member_id}/", "/{member}/") for u in urls]
    return found


def _kind(url: str, session: Session) -> str:
    return url.replace(f"/{session.member_id}/", "/{member}/")


def requests(sessions: list[Session], year: int, rng: random.Random, cycles: int = 6) -> list[dict]:
    """The mix as wrk plays it: each session's pages with their follow-ups, sessions interleaved, and
    WRITE_SHARE of the requests writes by carers (each followed by the page a browser then loads)."""
    extra = follow_ups(sessions, year)
    views = []  # a page with its follow-ups, or a write with what follows it: kept together
    for cycle in range(cycles):
        order = sessions[:]
        rng.shuffle(order)
        for session in order:
            if session.role != "member":  # carers open a different member's page each time
                session.member_id = rng.choice(session.members)
            pages = role_pages(session.role, session, year)
            page = pages[(cycle + session.user_id) % len(pages)]
            view = [_get(session, page)]
            for follow in extra.get((session.role, _kind(page, session)), []):
                view.append(_get(session, follow.replace("{member}", str(session.member_id)), htmx=True))
            views.append(view)
    writers = [s for s in sessions if s.role in ("liaison", "committee", "secretary")]
    posts, total = 0, sum(len(view) for view in views)
    while posts < WRITE_SHARE * total:
        write = _write(writers[posts % len(writers)], rng, posts)
        views.insert(rng.randrange(len(views) + 1), write)
        posts, total = posts + 1, total + len(write)
    return [request for view in views for request in view]


def _get(session: Session, url: str, htmx: bool = False) -> dict:
    headers = {"Cookie": session.cookie}
    if htmx:
        headers["HX-Request"] = "true"
    return {"method": "GET", "path": url, "headers": headers, "body": ""}


def _write(session: Session, rng: random.Random, n: int) -> list[dict]:
    """A write and what the browser loads after it: a visit (then the schedule it redirects to), or
    one member's attendance marked on the sheet (htmx swaps the row)."""
    headers = {
        "Cookie": session.cookie,
        "X-CSRFToken": session.csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    member = rng.choice(session.members)
    if n % 2 == 0 or session.activity_id is None:
        body = {
            "member": member,
            "kind": "routine",
            "date": timezone.localdate().isoformat(),
            "mode": rng.choice(["home", "phone"]),
            "visitors": session.user_id,
            "health": "",
            "amount": "0",
            "notes": "bench mix",
        }
        post = {"method": "POST", "path": reverse("visits:new"), "headers": headers, "body": _form(body)}
        return [post, _get(session, reverse("visits:schedule"))]
    url = reverse("study:attendance_mark", args=[session.activity_id, member])
    body = _form({"status": rng.choice(["present", "online", "absent"])})
    return [{"method": "POST", "path": url, "headers": {**headers, "HX-Request": "true"}, "body": body}]


def _form(fields: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


def write_script_input(played: list[dict], path: Path) -> None:
    """One request a line for wrk.lua: method, path, headers (name: value, joined by \\x1f), body."""
    with path.open("w") as out:
        for request in played:
            headers = "\x1f".join(f"{k}: {v}" for k, v in request["headers"].items())
            out.write("\t".join([request["method"], request["path"], headers, request["body"]]) + "\n")


def prepared(rng_seed: int = 15) -> tuple[list[Session], Path, dict]:
    """Sessions, the request list written for wrk.lua, and what the mix is made of (for the report)."""
    rng = random.Random(rng_seed)
    year = timezone.localdate().year
    sessions = build_sessions(rng)
    played = requests(sessions, year, rng)
    path = Path(tempfile.mkstemp(prefix="bench-mix-", suffix=".tsv")[1])
    write_script_input(played, path)
    posts = sum(1 for r in played if r["method"] == "POST")
    follow = sum(1 for r in played if r["headers"].get("HX-Request") and r["method"] == "GET")
    shape = {
        "sessions": len(sessions),
        "branches": len({s.branch_id for s in sessions}),
        "roles": {role: sum(1 for s in sessions if s.role == role) for role in SESSIONS},
        "requests_in_list": len(played),
        "writes_share": round(posts / len(played), 3),
        "follow_up_share": round(follow / len(played), 3),
    }
    return sessions, path, shape
