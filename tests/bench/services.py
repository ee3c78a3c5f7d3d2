"""The servers `make bench` needs: PostgreSQL, Redis, wrk, the bench database, gunicorn, a Celery worker.

Everything listens on 127.0.0.1 only; every process started here is stopped by the runner.
"""

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = "branch_portal_bench"
# Redis databases 12 and 13 are the benchmark's own; tests and `make run` use others.
BROKER_URL = "redis://127.0.0.1:6379/12"
CACHE_URL = "redis://127.0.0.1:6379/13"


def database_name(branches: int, members_per_branch: int) -> str:
    """The bench database of a size: the full bureau keeps the plain name, trial sizes get their own."""
    if (branches, members_per_branch) == (200, 50):
        return DATABASE
    return f"{DATABASE}_{branches}x{members_per_branch}"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def stamp(name: str) -> Path:
    return ROOT / "var" / f"{name}.json"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def environment(database: str, sms_port: int) -> dict[str, str]:
    """Production settings (DEBUG off) on plain HTTP at 127.0.0.1, against the bench database.

    SMS go to the stub provider on 127.0.0.1:sms_port through the real Aliyun backend, at any hour.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "branch_portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url(database),
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        "SMS_BACKEND": "notifications.transports.aliyun.AliyunSmsTransport",
        "ALIYUN_SMS_ENDPOINT": f"http://127.0.0.1:{sms_port}/",
        "ALIYUN_ACCESS_KEY_ID": "bench-key",
        "ALIYUN_ACCESS_KEY_SECRET": "bench-secret",
        "ALIYUN_SMS_TEMPLATE_CODE": "SMS_BENCH",
        "SMS_SIGN_NAME": "支部工作平台",
        "NOTIFICATIONS_QUIET_HOURS": "",
        "PYTHONUNBUFFERED": "1",
    }


def start_servers() -> None:
    """Starts PostgreSQL and Redis the way .ci/run does when they are down; installs wrk if missing."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode != 0:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    if not _redis_answers():
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
    for _ in range(30):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0 and _redis_answers():
            break
        time.sleep(1)
    if shutil.which("wrk") is None:
        log("installing wrk (apt-get)")
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=apt, stdout=subprocess.DEVNULL
        )


def _redis_answers() -> bool:
    result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True)
    return result.returncode == 0 and b"PONG" in result.stdout


def migration_files() -> dict[str, str]:
    """Every migration of the project with a hash of its content."""
    return {
        str(path.relative_to(ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(ROOT.glob("*/migrations/0*.py"))
    }


def prepare_database(name: str, rebuild: bool = False) -> None:
    """Creates the bench database if missing; rebuilds it when a migration it was built with changed.

    New migrations are simply applied; an edited or removed one (an app still in development)
    means the schema no longer matches its history, so the database is dropped and seeded again.
    """
    current = migration_files()
    built_with = json.loads(stamp(name).read_text())["migrations"] if stamp(name).exists() else None
    stale = (
        rebuild
        or built_with is None
        or any(current.get(path) != digest for path, digest in built_with.items())
    )
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and stale:
            log(f"dropping {name}: " + ("asked to rebuild" if rebuild else "its migrations changed"))
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = False
        if not exists:
            log(f"creating database {name}")
            cursor.execute(f"CREATE DATABASE {name}")
    admin.close()


@contextlib.contextmanager
def database_copy(name: str):
    """A throwaway copy of the bench database (CREATE DATABASE … TEMPLATE, ~5 s) for the measurements
    that write (logins, sessions, the mix's visits and attendance, the periodic tasks): the bench
    database is left as found. Nobody may be connected to `name` while it is copied."""
    copy = f"{name}_run"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {copy} TEMPLATE {name}")
        log(f"copied {name} to {copy}")
        yield copy
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        admin.close()


def remember_migrations(name: str) -> None:
    stamp(name).parent.mkdir(parents=True, exist_ok=True)
    stamp(name).write_text(json.dumps({"database": name, "migrations": migration_files()}, indent=1))


def manage(env: dict[str, str], *args: str) -> None:
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)
    log(f"manage.py {args[0]}: {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2):
    """gunicorn with sync workers on 127.0.0.1:port, stopped on exit."""
    logfile = ROOT / "var" / "bench-gunicorn.log"
    command = [
        str(Path(PYTHON).with_name("gunicorn")),
        "branch_portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--error-logfile",
        str(logfile),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz/ping", process)
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 2):
    """A prefork Celery worker on the bench broker (the Procfile's worker), stopped on exit."""
    command = [
        str(Path(PYTHON).with_name("celery")),
        "-A",
        "branch_portal",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def celery_beat(env: dict[str, str]):
    """Celery beat with the production schedule (settings.CELERY_BEAT_SCHEDULE), stopped on exit."""
    with tempfile.TemporaryDirectory() as state:
        command = [
            str(Path(PYTHON).with_name("celery")),
            "-A",
            "branch_portal",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(Path(state) / "beat-schedule"),
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            yield process
        finally:
            stop(process)


def wait_for(url: str, process: subprocess.Popen, seconds: int = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
