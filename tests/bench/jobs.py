"""The background jobs at bureau scale: the visit planner against its floor, notice fan-out against Celery.

Runs inside the runner's Django, after the pages have been measured.
"""

import datetime
import time

import redis
from django.apps import apps
from django.db import transaction

from branch_portal.bench.base import BUREAU_NAME

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
    from members.models import Branch, Member
    from visits.models import PlannedVisit
    from visits.planning import plan_visits

    branch_ids = list(Branch.objects.filter(bureau__name=BUREAU_NAME).values_list("pk", flat=True))
    # Start as the first nightly run after seeding would: nothing open ahead.
    PlannedVisit.objects.filter(member__branch_id__in=branch_ids, status=PlannedVisit.Status.DUE).delete()
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


def fanout(env: dict[str, str]) -> dict:
    noop = noop_rate(env)
    entry = {"noop_tasks_per_s": round(noop, 1)}
    if not apps.is_installed("notifications"):
        entry["summary"] = (
            f"Celery no-op {noop:.0f} tasks/s; fan-out not measured: notifications not installed"
        )
        return entry
    entry["summary"] = f"Celery no-op {noop:.0f} tasks/s; fan-out not measured yet"
    return entry
