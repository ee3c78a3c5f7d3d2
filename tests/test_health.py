import os
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.db import connection

from tests.conftest import need_service

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: ConnectionError"


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def _redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = "redis://127.0.0.1:6379/15"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        need_service(f"Redis is not reachable at {url}")
    return url


def test_a_real_celery_worker_runs_a_task_from_redis():
    url = _redis_url()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "DJANGO_SETTINGS_MODULE": "branch_portal.settings_test",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "branch_portal", "worker", "--pool=solo",
         "--queues=health-test", "--loglevel=WARNING"],
        env=env,
    )
    try:
        # Not set as current: shared tasks must stay bound to the portal's own app.
        client = Celery(broker=url, backend=url, set_as_current=False)
        started = time.monotonic()
        result = client.send_task("branch_portal.ping", queue="health-test")
        assert result.get(timeout=60) == "pong"
        assert time.monotonic() - started < 60
    finally:
        worker.terminate()
        worker.wait(timeout=30)
