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
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from kombu import pools

from members.models import Member
from notifications import services
from notifications.models import Message, Notice
from notifications.services import outbox_sweep

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
        "CHECK_SETTLE_SECONDS": 2,
    }
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return aliyun


class Workers:
    def __init__(self, redis_url, stub_url, args=(), **env):
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
            "NOTIFICATIONS_CHECK_SETTLE_SECONDS": "2",
            **env,
        }
        self.args = list(args)
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
                *self.args,
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
    return services.notice_send(actor=secretary, notice=notice).notice


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


# The measurement of issue 14, in the suite: a notice to FAULT_RECIPIENTS members through real workers
# that are SIGKILLed at random moments, a Redis restarted under them, and a provider that fails sends
# and "already sent?" queries with HTTP 500, answers some queries with nothing usable, takes some
# messages and then answers 500, and hangs past the client's timeout (sometimes taking the message
# only after the client gave up). Timings are the production ones scaled down so that it runs in CI.
FAULT_RECIPIENTS = 2000
FAULT_BATCH = 20
FAULT_TEMPLATE = "尊敬的党员：${content}（回复T退订）"
FAULT_TIMINGS = {
    "HTTP_TIMEOUT": 1,  # production 10 s
    "RETRY_BASE_SECONDS": 1,  # 30
    "CHECK_SETTLE_SECONDS": 3,  # 60
    "STALE_SENDING_SECONDS": 12,  # 600: above the task time limit below, as 600 is above 300
    # 120: long enough not to flood the queue with tasks for messages that are only waiting their turn.
    "REDISPATCH_SECONDS": 8,
}
TASK_TIME_LIMIT = 8  # seconds; CELERY_TASK_TIME_LIMIT is 300 in production
KILLS = 10
REDIS_RESTARTS = 3
# The sweeper's window: every message final this long after the last kill or restart — a stale claim
# (12 s) taken back, a lost task dispatched again (8 s), backoff after failed sends and checks
# (1 + 2 + 4 + 8 + 16 s), the records' settling (3 s), and a worker's start on a busy machine.
FINAL_WITHIN = 60


class FaultyProvider:
    """Wraps the Aliyun stub (which checks each signature and counts what it took per number and text)
    with the faults of a bad day, drawn from a seeded random generator."""

    def __init__(self, aliyun, seed):
        import random

        self.aliyun = aliyun
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.faults: Counter = Counter()

    def draw(self) -> float:
        with self.lock:
            return self.random.random()

    def __call__(self, request):
        from werkzeug import Response

        query = b"QuerySendDetails" in request.get_data()
        roll = self.draw()
        time.sleep(0.005 + roll * 0.02)  # a provider answers in a few milliseconds here
        if roll < 0.05:
            self.faults["500 " + ("query" if query else "send")] += 1
            return Response("upstream error", status=500)
        if query and roll < 0.08:
            self.faults["query without records"] += 1
            return stubs.json_response({"Code": "OK", "RequestId": "r"})
        if not query and roll < 0.08:
            self.faults["send taken, then 500"] += 1
            self.aliyun(request)
            return Response("gateway timeout", status=504)
        if roll < 0.10:
            self.faults["hang"] += 1
            answer = self.aliyun(request)
            time.sleep(1.5)  # past the client's timeout of 1 s
            return answer
        if not query and roll < 0.11:
            self.faults["hang, taken after the client gave up"] += 1
            time.sleep(1.5)
            return self.aliyun(request)
        return self.aliyun(request)


@pytest.fixture
def faulty_provider(settings):
    from pytest_httpserver import HTTPServer

    aliyun = stubs.AliyunStub(template=FAULT_TEMPLATE)
    seed = int(os.environ.get("FAULT_SEED", time.time()))  # FAULT_SEED=… replays a run's draws
    provider = FaultyProvider(aliyun, seed=seed)
    provider.seed = seed
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request("/", method="POST").respond_with_handler(provider)
    server.start()
    provider.url = server.url_for("/")
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "notifications.transports.aliyun.AliyunSmsTransport",
        "ALIYUN_SMS_ENDPOINT": provider.url,
        "ALIYUN_ACCESS_KEY_ID": stubs.ALIYUN_KEY_ID,
        "ALIYUN_ACCESS_KEY_SECRET": stubs.ALIYUN_SECRET,
        "ALIYUN_SMS_BATCH_SIZE": FAULT_BATCH,
        "SMS_SIGN_NAME": "第16党支部",
        "SMS_TEMPLATE_TEXT": FAULT_TEMPLATE,
        "QUIET_HOURS": "",
        **FAULT_TIMINGS,
    }
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("django.db.backends").setLevel(logging.CRITICAL)
    yield provider
    server.clear()
    server.stop()


def test_2000_recipients_through_kills_redis_restarts_and_a_failing_provider_each_get_it_exactly_once(
    branch, secretary, broker, services_up, faulty_provider
):
    import random

    pool = Workers(
        services_up.url,
        faulty_provider.url,
        args=[f"--time-limit={TASK_TIME_LIMIT}", "--concurrency=1"],
        SMS_SIGN_NAME="第16党支部",
        SMS_TEMPLATE_TEXT=FAULT_TEMPLATE,
        ALIYUN_SMS_BATCH_SIZE=str(FAULT_BATCH),
        **{f"NOTIFICATIONS_{name}": str(value) for name, value in FAULT_TIMINGS.items()},
    )
    chaos = random.Random(faulty_provider.random.random())
    started = time.monotonic()
    try:
        live = [pool.start(), pool.start()]
        Member.objects.bulk_create(
            Member(
                branch=branch,
                name=f"党员{i}",
                name_pinyin=f"dangyuan{i:05d}",
                gender="M",
                birth_date="1945-01-01",
                phone=f"+86139{i:08d}",
            )
            for i in range(FAULT_RECIPIENTS)
        )
        notice = services.notice_create(
            actor=secretary, branch=branch, title="学习通知", body="{姓名}同志：周三上午9点在活动室学习。"
        )
        services.notice_send(actor=secretary, notice=notice)
        # The faults, at random moments while the notice goes out; the sweeper (beat's job) runs meanwhile.
        faults = ["kill"] * KILLS + ["redis"] * REDIS_RESTARTS
        chaos.shuffle(faults)
        for fault in faults:
            wait_until(lambda: False, timeout=chaos.uniform(1, 3), sweep=True)
            if fault == "kill":
                victim = live.pop(chaos.randrange(len(live)))
                pool.kill(victim)
                live.append(pool.start())
            else:
                services_up.stop()
                time.sleep(chaos.uniform(0.2, 1.0))
                services_up.start()
        last_fault = time.monotonic()
        final = wait_until(
            lambda: not Message.objects.filter(status__in=["queued", "sending"]).exists(),
            timeout=FINAL_WITHIN,
            sweep=True,
        )
        settled_in = time.monotonic() - last_fault
    finally:
        pool.stop_all()
    messages = list(Message.objects.filter(notice=notice, channel="sms").values_list("to", "body", "status"))
    accepted = faulty_provider.aliyun.accepted
    expected = {
        (to.removeprefix("+86"), "【第16党支部】" + FAULT_TEMPLATE.replace("${content}", body))
        for to, body, _status in messages
    }
    once = sum(accepted[key] == 1 for key in expected)
    twice = sum(accepted[key] >= 2 for key in expected)
    lost = sum(accepted[key] == 0 for key in expected)
    stuck = sum(status in ("queued", "sending") for _to, _body, status in messages)
    failed = sum(status == "failed" for _to, _body, status in messages)
    strangers = set(accepted) - expected
    for row in Message.objects.filter(notice=notice, status="failed").values("to", "attempts", "last_error"):
        print("failed:", row)
    print(
        f"\n[faults] expected {len(expected)}, once {once}, twice {twice}, lost {lost}, stuck {stuck}, "
        f"failed {failed}; {KILLS} kills, {REDIS_RESTARTS} Redis restarts, provider faults "
        f"{dict(faulty_provider.faults)}; final {settled_in:.0f} s after the last fault, "
        f"{time.monotonic() - started:.0f} s in all (FAULT_SEED={faulty_provider.seed})"
    )
    assert len(expected) == FAULT_RECIPIENTS
    assert (twice, lost, stuck, failed) == (0, 0, 0, 0)
    assert final and not strangers
    assert once == FAULT_RECIPIENTS
