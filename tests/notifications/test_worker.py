"""End to end with a real Celery worker, a private Redis and PostgreSQL: nothing lost, nothing twice.

The worker runs as a subprocess with the test settings and reaches the test database through
DATABASE_URL. A private redis-server (no persistence) is started on a free port so that the
shared Redis of the machine is never restarted. The SMS provider is the Aliyun stub.
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone
from kombu import pools

from members.models import Member
from notifications import services
from notifications.delivery import outbox_sweep
from notifications.models import Message, Notice

from . import stubs

RECIPIENTS = 500
BATCH = 10  # small batches so that a kill lands in the middle of the notice


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(50):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def services_up(transactional_db, tmp_path):
    from tests.conftest import need_service

    if connection.vendor != "postgresql":
        need_service("PostgreSQL is needed for the worker tests: set DATABASE_URL=postgres://...")
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        need_service("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(services_up):
    """Points this process's Celery app (the on-commit dispatch) at the private Redis."""
    from branch_portal.celery import app

    def repoint(urls):
        pools.reset()  # kombu keeps connection and producer pools per broker URL, process-wide
        # With CELERY_BROKER_URL set, Celery has filled in the write and read URLs too.
        app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_read_url = urls
        app._after_fork()

    previous = (app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_read_url)
    repoint((services_up.url,) * 3)
    yield app
    repoint(previous)


@pytest.fixture
def stub(httpserver, settings):
    aliyun = stubs.AliyunStub()

    def slow(request):
        time.sleep(0.1)  # a provider answers in ~100 ms; it also lets a kill land mid-notice
        return aliyun(request)

    httpserver.expect_request("/", method="POST").respond_with_handler(slow)
    aliyun.url = httpserver.url_for("/")
    # This process dispatches (on commit, and as the sweeper): same backend and timings as the workers.
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "notifications.transports.aliyun.AliyunSmsTransport",
        "ALIYUN_SMS_BATCH_SIZE": BATCH,
        "QUIET_HOURS": "",
        "REDISPATCH_SECONDS": 3,
        "STALE_SENDING_SECONDS": 5,
    }
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return aliyun


class Workers:
    def __init__(self, redis_url, stub_url):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "branch_portal.settings_test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": redis_url,
            "SMS_BACKEND": "notifications.transports.aliyun.AliyunSmsTransport",
            "ALIYUN_SMS_ENDPOINT": stub_url,
            "ALIYUN_ACCESS_KEY_ID": stubs.ALIYUN_KEY_ID,
            "ALIYUN_ACCESS_KEY_SECRET": stubs.ALIYUN_SECRET,
            "ALIYUN_SMS_BATCH_SIZE": str(BATCH),
            "NOTIFICATIONS_QUIET_HOURS": "",
            "NOTIFICATIONS_STALE_SENDING_SECONDS": "5",
            "NOTIFICATIONS_REDISPATCH_SECONDS": "3",
        }
        self.processes = []

    def start(self):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "branch_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            env=self.env,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def workers(services_up, stub):
    pool = Workers(services_up.url, stub.url)
    yield pool
    pool.stop_all()


def send_notice(branch, secretary) -> Notice:
    Member.objects.bulk_create(
        Member(
            branch=branch,
            name=f"党员{i}",
            name_pinyin=f"dangyuan{i:04d}",
            gender="M",
            birth_date="1945-01-01",
            phone=f"+86139{i:08d}",
        )
        for i in range(RECIPIENTS)
    )
    notice = services.notice_create(
        actor=secretary, branch=branch, title="学习通知", body="{姓名}同志：周三上午学习。"
    )
    return services.notice_send(actor=secretary, notice=notice)


def wait_until(condition, *, timeout: float, sweep: bool = False) -> bool:
    """Polls the condition; with sweep, runs the outbox sweeper (beat's job) every second meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if sweep:
            outbox_sweep(now=timezone.now())
        time.sleep(1 if sweep else 0.2)
    return condition()


def everyone_sent() -> bool:
    return Message.objects.filter(status=Message.Status.SENT).count() == RECIPIENTS


def report(stub, label: str, in_flight: int | None = None) -> int:
    duplicates = sum(count - 1 for count in stub.received.values())
    extra = f", {in_flight} in flight at the interruption" if in_flight is not None else ""
    print(f"\n[{label}] {len(stub.received)} recipients reached, {duplicates} duplicates{extra}")
    return duplicates


def test_a_notice_to_500_reaches_each_recipient_once(branch, secretary, broker, workers, stub):
    workers.start()
    send_notice(branch, secretary)
    assert wait_until(everyone_sent, timeout=120)
    assert len(stub.received) == RECIPIENTS
    assert report(stub, "plain run") == 0
    assert set(stub.received.values()) == {1}


def test_a_worker_killed_mid_notice_loses_nothing_and_repeats_only_what_was_in_flight(
    branch, secretary, broker, workers, stub
):
    first = workers.start()
    send_notice(branch, secretary)
    assert wait_until(lambda: len(stub.received) >= 100, timeout=60)
    workers.kill(first)
    in_flight = Message.objects.filter(status=Message.Status.SENDING).count()
    sent_before = len(stub.received)
    assert sent_before < RECIPIENTS, "the kill came too late to test anything"
    workers.start()
    assert wait_until(everyone_sent, timeout=120, sweep=True)
    assert len(stub.received) == RECIPIENTS
    duplicates = report(stub, "SIGKILL", in_flight)
    # Messages in flight at the interruption are checked with the provider (QuerySendDetails) before
    # being sent again, so even they arrive once.
    assert duplicates == 0


def test_restarting_redis_mid_notice_loses_nothing(branch, secretary, broker, workers, stub, services_up):
    workers.start()
    send_notice(branch, secretary)
    assert wait_until(lambda: len(stub.received) >= 100, timeout=60)
    services_up.stop()  # every queued task in Redis is gone: no persistence
    in_flight = Message.objects.filter(status=Message.Status.SENDING).count()
    time.sleep(1)
    services_up.start()
    assert wait_until(everyone_sent, timeout=150, sweep=True)
    assert len(stub.received) == RECIPIENTS
    duplicates = report(stub, "Redis restart", in_flight)
    # Messages in flight at the interruption are checked with the provider (QuerySendDetails) before
    # being sent again, so even they arrive once.
    assert duplicates == 0
