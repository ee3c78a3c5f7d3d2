import os
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections

from branch_portal import health as health_checks
from branch_portal.celery import heartbeat_task
from tests.conftest import need_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache(settings):
    """A real cache, as in production (the test settings' dummy cache keeps nothing)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "health-tests"}
    }
    caches["default"].clear()
    return caches["default"]


def health(client, expected_status: int) -> dict:
    response = client.get("/healthz")
    assert response.status_code == expected_status, response.content
    assert response["Cache-Control"].startswith("max-age=0")
    return response.json()


def test_healthz_answers_200_with_each_check_when_everything_answers(client, cache):
    report = health(client, 200)
    assert report == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "staticfiles": "ok",
        "translations": "ok",
        "worker": "ok: waiting for the first beat (0 s)",
    }


def test_healthz_answers_503_when_the_database_refuses_connections(client, cache, monkeypatch):
    def refuse(self, conn_params):
        raise connection.Database.OperationalError("connection refused: is the server running?")

    # Every connection of this backend, in whichever thread the check runs.
    monkeypatch.setattr(type(connections["default"]), "get_new_connection", refuse)
    report = health(client, 503)
    assert report["status"] == "error"
    assert report["database"] == "error: connection refused"
    assert report["broker"] == "ok"


def test_healthz_answers_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }  # nothing listens on port 1
    report = health(client, 503)
    assert report["cache"] == "error: Connection Error"


def test_healthz_answers_503_when_the_broker_is_down(client, cache, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    report = health(client, 503)
    assert report["broker"].startswith("error: cannot reach the Celery broker (")


@pytest.fixture
def manifest_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    return settings


def test_healthz_answers_503_when_collectstatic_was_not_run(client, cache, manifest_storage):
    report = health(client, 503)
    assert report["staticfiles"] == (
        f"error: no static files manifest in {manifest_storage.STATIC_ROOT}: run collectstatic "
        "(make deploy), then restart the web processes"
    )
    # What the health check warns of: the login page cannot be rendered.
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        client.get("/accounts/login/")


def test_healthz_answers_503_when_a_static_file_came_after_collectstatic(
    client, cache, manifest_storage, tmp_path
):
    call_command("collectstatic", interactive=False, verbosity=0)
    assert health(client, 200)["staticfiles"] == "ok"

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new-page.css").write_text("body { color: black; }")
    manifest_storage.STATICFILES_DIRS = [*manifest_storage.STATICFILES_DIRS, extra]
    report = health(client, 503)
    assert report["staticfiles"] == (
        "error: 1 static files missing from the manifest (first: new-page.css): run collectstatic "
        "(make deploy), then restart the web processes"
    )


def test_healthz_answers_503_when_the_translations_are_not_compiled(client, cache, settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]  # where make messages has not been
    report = health(client, 503)
    assert report["translations"] == (
        "error: no compiled translations for zh-hans: pages show English; run make messages "
        "(pybabel compile), then restart"
    )


class Clock:
    """Stands in for the time module in branch_portal/health.py: seconds move only when a test says."""

    now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(health_checks, "time", clock)
    return clock


def test_healthz_reports_how_long_ago_a_worker_beat(client, cache, clock):
    heartbeat_task()  # as a worker runs it when beat queues it
    assert health(client, 200)["worker"] == "ok: last beat 0 s ago"

    clock.now += 300
    assert health(client, 200)["worker"] == "ok: last beat 300 s ago"


def test_healthz_answers_503_when_the_last_beat_is_five_periods_old(client, cache, clock):
    heartbeat_task()
    clock.now += 301
    report = health(client, 503)
    assert report["worker"] == (
        "error: last worker beat 301 s ago, expected every 60 s: are the worker and beat running?"
    )


def test_a_fresh_start_waits_five_periods_for_the_first_beat(client, cache, clock):
    assert health(client, 200)["worker"] == "ok: waiting for the first beat (0 s)"
    clock.now += 300
    assert health(client, 200)["worker"] == "ok: waiting for the first beat (300 s)"

    clock.now += 1
    report = health(client, 503)
    assert report["worker"] == (
        "error: no worker beat in the 301 s since the first check: are the worker and beat running?"
    )
    heartbeat_task()
    assert health(client, 200)["worker"] == "ok: last beat 0 s ago"


def test_beat_queues_the_heartbeat_every_minute_and_drops_late_ones(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["health-heartbeat"]
    assert entry["task"] == heartbeat_task.name == "branch_portal.heartbeat"
    assert entry["schedule"] == 60
    assert entry["options"] == {"expires": 60}


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
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "branch_portal",
            "worker",
            "--pool=solo",
            "--queues=health-test",
            "--loglevel=WARNING",
        ],
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
