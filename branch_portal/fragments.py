"""Page bodies served from the cache until something their reader may see has changed.

A cached page is a template whose costly part, its queries and most of its rendering, is a `body`
partial placed in base.html's live frame (CSRF tokens, messages, the idle-logout countdown).
`render_page` keeps the rendered body under a key made of the session, the full path, the
language, today's date, a stamp of the code, and the *generation* of the site and of every
branch in which the reader holds a role.

A generation is replaced by a new random value after every write that changes rows. Writes are
seen at the database cursor (`watch_writes`), so no code path can forget one:

- in a request, the writer's branches change: every lookup is scoped to the user's branches (the
  attack-surface tests hold this), so their writes can't reach another branch. A service whose
  rows also show in other branches names them with `branches_changed()` (a joint study activity).
  Staff, who may write anywhere through the admin, and anonymous writers change the site's;
- anywhere else (Celery tasks, management commands), the site's, once the transaction commits.
"""

import contextvars
import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.permissions import roles_by_branch

SITE = "site"
# Tables no cached body shows: sessions, login attempts, the audit trail written beside the rows it
# records, and the log of who opened a health record (written on every opening, shown only by the
# uncached health record itself).
UNSEEN_TABLES = ("django_session", "axes_", "auditlog_logentry", "members_healthrecordview")
_WRITE = re.compile(r'\s*(INSERT|UPDATE|DELETE)\s+(?:INTO\s+|FROM\s+)?"?(\w+)')


@dataclass
class _RequestWrites:
    rows_changed: bool = False
    other_branches: set[int] = field(default_factory=set)


_request_writes: contextvars.ContextVar[_RequestWrites | None] = contextvars.ContextVar(
    "request_writes", default=None
)


def render_page(
    request: HttpRequest, template_name: str, make_context: Callable[[], dict], frame: dict | None = None
) -> HttpResponse:
    """Renders `template_name` with its `body` partial from the cache while nothing the reader may
    see has changed; `make_context()`, the body's queries, runs only when it has.

    `frame` is the context of the rest of the page (title, head): it must be cheap to work out.
    """
    # The key, generations included, is read before the body's queries: a body is never newer
    # than its generations claim, only older, and an older one is simply not found again.
    key = _body_key(request) if _cacheable(request) else None
    body = cache.get(key) if key else None
    if body is None:
        body = render_to_string(f"{template_name}#body", make_context(), request)
        if key:
            cache.set(key, body, settings.PAGE_BODY_CACHE_SECONDS)
    return render(request, template_name, {**(frame or {}), "body": mark_safe(body)})  # noqa: S308 - our own rendering


def branches_changed(branch_ids: Iterable[int]) -> None:
    """Names branches beyond the writer's own whose pages a request's writes change."""
    writes = _request_writes.get()
    if writes is not None:
        writes.other_branches.update(branch_ids)


def watch_writes(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection) that notes writes changing rows."""
    result = execute(sql, params, many, context)
    written = _WRITE.match(sql)
    # An UPDATE or DELETE that matched nothing changed nothing (the sweeper finding no work). An
    # INSERT always did: its rowcount is not known yet when it returns rows (SQLite).
    changed = written and (written[1] == "INSERT" or context["cursor"].rowcount)
    if changed and not written[2].startswith(UNSEEN_TABLES):
        writes = _request_writes.get()
        if writes is not None:
            writes.rows_changed = True  # the middleware changes the writer's branches after the view
        else:
            _changed_outside_a_request(context["connection"])
    return result


def install_write_watch(sender, connection, **kwargs) -> None:
    """connection_created receiver: every connection of every process watches its writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


class BranchWritesMiddleware:
    """Changes the generations of the branches a request wrote to, once its view has returned (and
    committed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = _RequestWrites()
        token = _request_writes.set(writes)
        try:
            return self.get_response(request)
        finally:
            _request_writes.reset(token)
            if writes.rows_changed:
                _change(_writer_scopes(request.user) | writes.other_branches)


def _writer_scopes(user) -> set:
    if not user.is_authenticated or user.is_staff or user.is_superuser:
        return {SITE}
    return set(roles_by_branch(user)) or {SITE}


def _changed_outside_a_request(connection) -> None:
    # Now, so that this process reads its own writes at once (the tests, the shell); and again
    # after the commit, so that no reader in between keeps the old rows under the new generation.
    _change({SITE})
    pending = (callback for _savepoints, callback, _robust in connection.run_on_commit)
    if connection.in_atomic_block and site_changed not in pending:
        transaction.on_commit(site_changed, using=connection.alias)


def site_changed() -> None:
    """Drops every cached body: what a write outside a request does."""
    _change({SITE})


def _change(scopes: set) -> None:
    cache.set_many({_generation_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)


def _generation_key(scope) -> str:
    return f"fragments:generation:{scope}"


def _generations(scopes: list) -> list[str]:
    keys = [_generation_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # Never set, or evicted: a new value, so that no body cached under an old one returns.
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key, "")
    return [found[key] for key in keys]


def _cacheable(request: HttpRequest) -> bool:
    reading = request.method in ("GET", "HEAD")
    return reading and request.user.is_authenticated and bool(request.session.session_key)


def _body_key(request: HttpRequest) -> str:
    scopes = [SITE, *sorted(roles_by_branch(request.user))]
    parts = [
        # The session, not the user: the body's CSRF tokens belong to it.
        request.session.session_key,
        request.get_full_path(),
        request.LANGUAGE_CODE,
        timezone.localdate().isoformat(),
        _code_stamp(),
        *_generations(scopes),
    ]
    return "fragments:body:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@functools.cache
def _code_stamp() -> str:
    """Changes with any module, template, translation or static file of the project, so that a new
    release never serves a body its predecessor rendered."""
    ours = [Path(config.path) for config in apps.get_app_configs()]
    roots = {path for path in ours if path.parent == settings.BASE_DIR}
    roots |= {Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]}
    roots |= {Path(d) for d in (*settings.LOCALE_PATHS, *settings.STATICFILES_DIRS)}
    digest = hashlib.sha256()
    for root in sorted(roots):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".mo", ".css", ".js"}:
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()
