"""The Celery application: JSON only, late acks, Asia/Shanghai (settings prefixed CELERY_)."""

import os

from celery import Celery
from celery.signals import beat_init, task_prerun

from . import health

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branch_portal.settings")

app = Celery("branch_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def drop_broken_database_connections(sender=None, **kwargs) -> None:
    """With CELERY_DB_REUSE_MAX a worker keeps its connection between tasks; like Django does before a
    request, drop it first if it failed or outlived CONN_MAX_AGE (e.g. PostgreSQL restarted)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


@app.task(name="branch_portal.ping")
def ping_task() -> str:
    """Answers "pong": lets the health check and tests see a worker run a task."""
    return "pong"


@app.task(name="branch_portal.heartbeat", ignore_result=True)
def heartbeat_task() -> None:
    """Records that a worker ran a task beat queued: /healthz says how long ago (branch_portal/health.py)."""
    health.heartbeat_record()


@beat_init.connect
def first_heartbeat(sender=None, **kwargs) -> None:
    """A heartbeat as beat starts, so a fresh start shows a working worker within seconds, not a period."""
    app.send_task("branch_portal.heartbeat", expires=app.conf.beat_schedule["health-heartbeat"]["schedule"])
