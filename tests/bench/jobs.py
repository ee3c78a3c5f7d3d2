"""The background jobs at bureau scale: the visit planner against its floor, notice fan-out against Celery.

Runs inside the runner's Django, after the pages have been measured.
"""

import datetime
import time

import redis
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count

from accounts.permissions import SYSTEM
from tooling.bench.base import BUREAU_NAME, raw_delete

from . import services
from .services import log

NOOP_TASKS = 3000


def planner() -> dict:
    """plan_visits for every bench member from nothing planned ahead, again unchanged, and the floor.

    The floor is bulk-inserting as many PlannedVisit rows as the first run created, in one
    bulk_create, rolled back afterwards.
    """
    if not apps.is_installed("visits"):
        return {"summary": "not measured: the visits app is not installed"}
    from members.models import Member
    from org.models import Branch
    from visits.models import PlannedVisit
    from visits.planning import plan_visits

    branch_ids = list(Branch.objects.filter(bureau__name=BUREAU_NAME).values_list("pk", flat=True))
    # Start as the first nightly run after seeding would: nothing open ahead. A raw delete:
    # auditlog would otherwise write a log entry for each of the 10,000 rows.
    raw_delete(PlannedVisit.objects.filter(member__branch_id__in=branch_ids, status=PlannedVisit.Status.DUE))
    _vacuum(PlannedVisit)
    first, result = _timed(plan_visits, branch_ids=branch_ids)
    again, second = _timed(plan_visits, branch_ids=branch_ids)
    members = list(Member.objects.filter(branch_id__in=branch_ids).active().values_list("pk", flat=True))
    floor = min(_insert_floor(result.created, members) for _ in range(2))
    entry = {
        "members": len(members),
        "created": result.created,
        "first_s": round(first, 3),
        "again_s": round(again, 3),
        "again_created": second.created,
        "floor_s": round(floor, 3),
        "first_to_floor": round(first / floor, 2) if floor else None,
        "again_to_floor": round(again / floor, 2) if floor else None,
    }
    entry["summary"] = (
        f"{len(members)} members, {result.created} planned in {first:.2f} s = {entry['first_to_floor']}× "
        f"the floor ({floor:.2f} s to bulk-insert as many rows; target ≤ 3×); "
        f"again with nothing changed {again:.2f} s = {entry['again_to_floor']}× (target ≤ 1×)"
    )
    log(f"planner: {entry['summary']}")
    return entry


def _vacuum(model) -> None:
    """Clears the dead rows each run leaves (the delete above, the floor's rolled-back insert).

    With autovacuum off, as on this machine, they pile up run after run (a million here after a
    morning of runs, eight times the live rows) and every later run reads them: the figures would
    depend on how often the benchmark ran before. No ANALYZE: statistics taken with nothing open
    would plan the runs as if there were no open visits.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {model._meta.db_table}")


def _timed(function, **kwargs):
    started = time.perf_counter()
    result = function(**kwargs)
    return time.perf_counter() - started, result


def _insert_floor(count: int, member_ids: list[int]) -> float:
    from visits.models import PlannedVisit

    today = datetime.date.today()  # noqa: DTZ011 - only a value to insert
    rows = [
        PlannedVisit(
            member_id=member_ids[i % len(member_ids)],
            kind=PlannedVisit.Kind.ROUTINE,
            occasion=f"bench-floor-{i}",
            due_from=today,
            due_by=today,
        )
        for i in range(count)
    ]
    with transaction.atomic():
        started = time.perf_counter()
        PlannedVisit.objects.bulk_create(rows)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def noop_rate(env: dict[str, str]) -> float:
    """Celery's own ceiling: no-op tasks per second through the bench broker and a 2-process worker."""
    from branch_portal.celery import app

    broker = redis.Redis.from_url(services.BROKER_URL)
    broker.flushdb()
    with services.celery_worker(env):
        _drain(broker, app, warm=True)
        started = time.perf_counter()
        for _ in range(NOOP_TASKS):
            app.send_task("branch_portal.ping")
        _wait_empty(broker)
        return NOOP_TASKS / (time.perf_counter() - started)


def _drain(broker, app, warm: bool) -> None:
    """Waits until the worker has taken a first task: it is up and its processes are forked."""
    app.send_task("branch_portal.ping")
    _wait_empty(broker, timeout=60)


def _wait_empty(broker, timeout: float = 300) -> None:
    """Until the queue is empty and nothing is unacknowledged (late acks: acked after the task ran)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker.llen("celery") == 0 and broker.hlen("unacked") == 0:
            return
        time.sleep(0.01)
    raise RuntimeError("the Celery queue did not drain")


def fanout(env: dict[str, str], sms) -> dict:
    """A notice in every bench branch at once (10,000 SMS) through a real worker and the Aliyun backend.

    Timed from the first send until every message has its final status recorded, against
    the no-op task rate of the same worker on the same broker.
    """
    noop = noop_rate(env)
    entry = {"noop_tasks_per_s": round(noop, 1)}
    if not apps.is_installed("notifications"):
        entry["summary"] = (
            f"Celery no-op {noop:.0f} tasks/s; fan-out not measured: notifications not installed"
        )
        return entry
    from notifications.models import Message

    drafts = _drafts()
    messages = Message.objects.filter(notice__in=drafts)
    broker = redis.Redis.from_url(services.BROKER_URL)
    sms.reset()
    try:
        with services.celery_worker(env):
            from branch_portal.celery import app

            _drain(broker, app, warm=True)
            started = time.perf_counter()
            _send(drafts)
            queued = time.perf_counter() - started
            total = messages.count()
            _wait_recorded(messages, total)
            elapsed = time.perf_counter() - started
        statuses = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    finally:
        _remove(drafts)
    rate = total / elapsed
    entry.update(
        notices=len(drafts),
        recipients=total,
        seconds=round(elapsed, 2),
        sending_s=round(queued, 2),
        messages_per_s=round(rate, 1),
        ratio_to_noop=round(rate / noop, 2),
        statuses=statuses,
        provider_requests=sms.requests,
        provider_numbers=sms.numbers,
    )
    entry["summary"] = (
        f"{total} SMS from {len(drafts)} notices recorded in {elapsed:.1f} s = {rate:.0f}/s = "
        f"{rate / noop:.2f}× Celery's no-op rate of {noop:.0f} tasks/s (target ≥ 1×); "
        f"{sms.requests} provider calls, statuses {statuses}"
    )
    log(f"fan-out: {entry['summary']}")
    return entry


def _drafts() -> list:
    """A draft to the whole branch in every bench branch (one notice has one branch's members)."""
    from notifications.services import notice_create
    from org.models import Branch

    branches = Branch.objects.filter(bureau__name=BUREAU_NAME).order_by("pk")
    body = "{姓名}同志：本周四上午九点在老干部活动中心召开全体党员大会，请准时参加。"
    return [notice_create(actor=SYSTEM, branch=b, title="全体党员大会通知", body=body) for b in branches]


def _send(drafts: list) -> None:
    from notifications.services import notice_send

    for notice in drafts:
        notice_send(actor=SYSTEM, notice=notice)


def _wait_recorded(messages, total: int, stall: float = 60) -> None:
    """Until every message is sent or failed; gives up when none changes for `stall` seconds."""
    done, progress_at = -1, time.monotonic()
    while time.monotonic() - progress_at < stall:
        now_done = messages.exclude(status__in=["queued", "sending"]).count()
        if now_done >= total:
            return
        if now_done != done:
            done, progress_at = now_done, time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"the fan-out stalled: {done} of {total} messages recorded")


def _remove(drafts: list) -> None:
    """Takes the benchmark's notices back out, numbers included, so every run sees the same bureau."""
    from notifications.models import Message, Notice

    ids = [notice.pk for notice in drafts]
    with transaction.atomic():
        Message.objects.filter(notice_id__in=ids).delete()
        Notice.objects.filter(pk__in=ids).delete()  # their numbers go with them (lib.numbering)
