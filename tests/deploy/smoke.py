"""The production topology booted from this clone on loopback, step by step as README "Running in production":

    nginx (deploy/nginx, HTTPS with a self-signed certificate) → gunicorn (deploy/gunicorn.conf.py, DEBUG off)
    → PostgreSQL (a database of its own) and Redis (a db number of its own: broker and cache),
    with the Celery worker and beat started from the ExecStart= lines of the systemd units in deploy/systemd.

Then, through nginx only: plain HTTP is sent to HTTPS, the demo accounts do not exist, the secretary made by
`manage.py add_branch` logs in and chooses a password, records a visit and sends a notice to a stub of
Aliyun's SMS API, and the notice page shows it delivered; /healthz reports a worker's heartbeat.

    .venv/bin/python -m tests.deploy.smoke       # as root (.ci/run, after make test); 1-2 minutes

SMOKE_DATABASE (default branch_portal_smoke) and SMOKE_REDIS_DB (default 14) are emptied first. Every process
started here is stopped at the end; the work folder (logs, certificate, rendered files) is kept on failure.
"""

import contextlib
import datetime
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import redis
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from tests.deploy.browser import Browser
from tests.notifications import stubs

ROOT = Path(__file__).resolve().parents[2]
DATABASE = os.environ.get("SMOKE_DATABASE", "branch_portal_smoke")
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('SMOKE_REDIS_DB', '14')}"
MOBILE = "13912345678"
UNITS = ["branch-portal-web.service", "branch-portal-worker.service", "branch-portal-beat.service"]
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict | None = None, **kwargs) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(
            f"{shlex.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


class Topology:
    """The processes of one smoke run, each in its own session, stopped (TERM, then KILL) at the end."""

    def __init__(self, work: Path):
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict, cwd: Path = ROOT) -> None:
        logfile = (self.work / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.work / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def sms_provider():
    """Aliyun's SendBatchSms and QuerySendDetails (tests/notifications/stubs.py) on a port of its own."""
    stub = stubs.AliyunStub(clock=lambda: datetime.datetime.now(datetime.UTC))  # no Django settings here
    server = make_server("127.0.0.1", 0, Request.application(stub), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub, server.server_port
    finally:
        server.shutdown()


def environment_file(path: Path, ports: dict, work: Path) -> dict[str, str]:
    """README step 2: /etc/branch-portal/env, here with loopback ports and the stub provider."""
    values = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "VAR_DIR": str(work / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{ports['gunicorn']}",
        "WEB_CONCURRENCY": "2",
        "SMS_BACKEND": "aliyun",
        "SMS_SIGN_NAME": "支部工作平台",
        "ALIYUN_SMS_ENDPOINT": f"http://127.0.0.1:{ports['sms']}/",
        "ALIYUN_ACCESS_KEY_ID": stubs.ALIYUN_KEY_ID,
        "ALIYUN_ACCESS_KEY_SECRET": stubs.ALIYUN_SECRET,
        "ALIYUN_SMS_TEMPLATE_CODE": "SMS_SMOKE",
        # The run must not depend on the hour: no quiet hours for SMS.
        "NOTIFICATIONS_QUIET_HOURS": "",
    }
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return values


def read_environment_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def fresh_services() -> None:
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    admin.close()
    redis.Redis.from_url(REDIS_URL).flushdb()


def drop_database() -> None:
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.close()
    redis.Redis.from_url(REDIS_URL).flushdb()


def render_units(work: Path) -> dict[str, Path]:
    """README step 4: the units with this clone's path for /srv/branch_portal and the smoke's environment
    file, checked with systemd-analyze verify (any complaint fails the run)."""
    folder = work / "systemd"
    folder.mkdir()
    paths = {}
    for source in sorted((ROOT / "deploy" / "systemd").iterdir()):
        text = source.read_text().replace("/srv/branch_portal", str(ROOT))
        text = text.replace("/etc/branch-portal/env", str(work / "env"))
        paths[source.name] = folder / source.name
        paths[source.name].write_text(text)
    if shutil.which("systemd-analyze") is None:
        log("systemd-analyze is missing: the units are not verified")
    else:
        result = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", *map(str, paths.values())],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        complaints = (result.stdout + result.stderr).strip()
        if result.returncode != 0 or complaints:
            raise SystemExit(f"systemd-analyze verify:\n{complaints}")
        log("systemd-analyze verify: the units are clean")
    return paths


def unit_command(unit: Path) -> tuple[list[str], Path, dict[str, str]]:
    """What systemd would run: ExecStart=, in WorkingDirectory=, with EnvironmentFile= (User= aside)."""
    fields = dict(
        line.split("=", 1) for line in unit.read_text().splitlines() if "=" in line and line[0] not in "#;"
    )
    env = {**os.environ, **read_environment_file(Path(fields["EnvironmentFile"])), "PYTHONUNBUFFERED": "1"}
    return shlex.split(fields["ExecStart"]), Path(fields["WorkingDirectory"]), env


def render_nginx(work: Path, ports: dict) -> Path:
    """README step 5: the site with loopback ports, the self-signed certificate and this clone's STATIC_ROOT,
    inside a main configuration of its own (Debian's would add its default site on port 80)."""
    site = (ROOT / "deploy" / "nginx" / "branch-portal.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{ports['http']};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{ports['https']} ssl http2;",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{ports['gunicorn']};",
        "server_name portal.example.org;": "server_name 127.0.0.1;",
        "/etc/ssl/certs/portal.example.org.pem": str(work / "tls.pem"),
        "/etc/ssl/private/portal.example.org.key": str(work / "tls.key"),
        "/srv/branch_portal": str(ROOT),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/branch-portal.conf no longer has {old!r}"
        site = site.replace(old, new)
    (work / "site.conf").write_text(site)
    temp = work / "nginx-temp"
    temp.mkdir()
    # As root, the workers read STATIC_ROOT inside this clone, wherever it is (in production: www-data).
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = work / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/nginx-error.log;\n"
        "events { worker_connections 256; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {work}/nginx-access.log;\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {work}/site.conf;\n}}\n"
    )
    run(["nginx", "-t", "-q", "-p", str(work), "-c", str(main)])
    log("nginx -t: the site is valid")
    return main


def certificate(work: Path) -> Path:
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(work / "tls.key"),
            "-out",
            str(work / "tls.pem"),
        ]
    )
    return work / "tls.pem"


def wait_for(what: str, probe, seconds: float, topology: Topology):
    deadline = time.monotonic() + seconds
    while True:
        topology.check_alive()
        with contextlib.suppress(OSError):
            result = probe()
            if result:
                return result
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.5)


def journey(base: str, http_base: str, cafile: Path, env: dict, stub, topology: Topology) -> None:
    browser = Browser(base, cafile=str(cafile))

    # nginx sends plain HTTP to HTTPS; so does Django itself when a request reaches it without the proxy.
    answer = Browser(http_base).get("/accounts/login/")
    assert answer.status == 301 and answer.headers["Location"].startswith("https://"), answer
    direct = Browser(f"http://{env['GUNICORN_BIND']}").get("/accounts/login/")
    assert direct.status == 301 and direct.headers["Location"].startswith("https://"), direct
    log("HTTP is redirected to HTTPS, by nginx and by Django")

    login = browser.get("/accounts/login/")
    assert login.status == 200 and "登录" in login.text, login
    assert "max-age=31536000" in login.headers["Strict-Transport-Security"]
    refused = browser.submit(login, "username", {"username": "secretary", "password": "demo-pass-2026"})
    assert refused.status == 200, f"a demo account logged in: {refused}"
    log("the login page is Chinese over HTTPS, and the demo accounts do not exist")

    # README step 7: the first branch, its secretary and its roster.
    output = run(
        [
            sys.executable,
            "manage.py",
            "add_branch",
            "--bureau",
            "冒烟测试局",
            "--branch",
            "第1党支部",
            "--secretary",
            "wang",
            "--name",
            "王书记",
        ],
        env=env,
    )
    one_time = re.search(r"一次性密码 (\S+)（", output).group(1)
    roster = topology.work / "roster.csv"
    roster.write_text(f"姓名,性别,出生日期,手机\n张志远,男,1935-03-02,{MOBILE}\n", encoding="utf-8-sig")
    run([sys.executable, "manage.py", "import_roster", str(roster), "--branch", "第1党支部"], env=env)

    home = browser.follow(browser.submit(login, "username", {"username": "wang", "password": one_time}))
    assert home.status == 302 and "/accounts/password/" in home.headers["Location"], home
    form = browser.follow(home)
    password = "smoke " + secrets.token_urlsafe(12)
    changed = browser.submit(
        form,
        "new_password1",
        {"old_password": one_time, "new_password1": password, "new_password2": password},
    )
    home = browser.get("/", headers={"Accept-Encoding": "gzip"})
    assert changed.status == 302 and home.status == 200 and "王书记" in home.text, (changed, home)
    assert home.headers["Content-Encoding"] == "gzip", "HTML is not compressed"
    log("the secretary logged in through nginx and chose a password")

    for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', home.text)[:4]:
        static = browser.get(path, headers={"Accept-Encoding": "gzip"})
        assert static.status == 200, static
        assert static.headers["Content-Encoding"] == "gzip", f"{path} is not compressed"
        assert "immutable" in static.headers["Cache-Control"], f"{path} has no hashed name"
    log("static files come from STATIC_ROOT, hashed, compressed and cached for a year")

    found = browser.get("/visits/new/?" + urlencode({"q": "张志远"}))
    member = re.search(r"member=(\d+)", found.text).group(1)
    form = browser.get(f"/visits/new/?member={member}")
    recorded = browser.submit(form, "kind", {"member": member, "notes": "冒烟测试：上门探望"})
    schedule = browser.follow(recorded)
    assert "已登记对张志远的探望" in schedule.text, (recorded, schedule.text[:500])
    log("a visit was recorded")

    form = browser.get("/notifications/new/")
    sent = browser.submit(
        form,
        "body",
        {
            "title": "冒烟测试",
            "body": "本周五上午九点学习，请准时参加。",
            "audience": "branch",
            "send_sms": "on",
            "action": "send",
        },
    )
    if sent.status != 302:
        (topology.work / "notice-form.html").write_text(sent.text)
    assert sent.status == 302, f"{sent}: the refused form is in notice-form.html"
    notice = sent.headers["Location"]
    wait_for(
        "the stub provider receives the SMS",
        lambda: any(number.endswith(MOBILE) for number in stub.received),
        60,
        topology,
    )

    def delivered():
        page = browser.get(notice)
        return page.status == 200 and "已发送 1 · 失败 0 · 等待 0" in page.text

    wait_for("the notice page shows it delivered", delivered, 60, topology)
    text = stub.texts[next(number for number in stub.texts if number.endswith(MOBILE))][0]
    assert "本周五上午九点学习" in text and text.startswith("【支部工作平台】"), text
    log(f"the notice went out through the worker and was delivered: {text}")

    def beat_reported():
        report = browser.get("/healthz")
        return report.status == 200 and '"worker": "ok: last beat' in report.text and report

    report = wait_for("/healthz reports a worker's beat", beat_reported, 60, topology)
    log(f"/healthz through nginx: {report.text}")


def main() -> None:
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install {tool} (.ci/run installs it)")
    work = Path(tempfile.mkdtemp(prefix="branch-portal-smoke-"))
    (work / "var").mkdir()
    topology = Topology(work)
    ports = {name: free_port() for name in ("gunicorn", "http", "https")}
    ok = False
    try:
        with sms_provider() as (stub, ports["sms"]):
            env = {**os.environ, **environment_file(work / "env", ports, work)}
            fresh_services()
            log(f"make deploy (database {DATABASE}, Redis {REDIS_URL})")
            run(["make", "deploy"], env=env, timeout=600)
            log("make deploy: installed, migrated, translated, static collected, check --deploy clean")
            units = render_units(work)
            for unit in UNITS:
                command, cwd, unit_env = unit_command(units[unit])
                topology.start(unit.removesuffix(".service"), command, unit_env, cwd)
            cafile = certificate(work)
            topology.start(
                "nginx",
                ["nginx", "-p", str(work), "-c", str(render_nginx(work, ports)), "-g", "daemon off;"],
                env,
            )
            base = f"https://127.0.0.1:{ports['https']}"
            wait_for(
                "nginx → gunicorn answers /healthz/ping",
                lambda: Browser(base, cafile=str(cafile)).get("/healthz/ping").status == 200,
                60,
                topology,
            )
            log("nginx, gunicorn, worker and beat are up")
            journey(base, f"http://127.0.0.1:{ports['http']}", cafile, env, stub, topology)
            # README step 3 again, as for an update: idempotent, and harmless to the running processes.
            run(["make", "deploy"], env=env, timeout=600)
            health = Browser(base, cafile=str(cafile)).get("/healthz")
            assert health.status == 200 and '"status": "ok"' in health.text, health.text
            log("make deploy again, everything running: done, /healthz still ok")
        ok = True
    finally:
        topology.stop()
        if ok:
            drop_database()
            shutil.rmtree(work)
            log("passed; every process stopped, database and Redis db emptied")
        else:
            for name in topology.processes:
                print(f"--- {name} (last lines)\n{topology.tail(name)}", file=sys.stderr)
            print(f"--- kept for inspection: {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
