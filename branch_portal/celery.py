"""The Celery application: JSON only, late acks, Asia/Shanghai (settings prefixed CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branch_portal.settings")

app = Celery("branch_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="branch_portal.ping")
def ping_task() -> str:
    """Answers "pong": lets the health check and tests see a worker run a task."""
    return "pong"
