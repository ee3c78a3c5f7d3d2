"""`make bench BENCH_ARGS=--lighthouse`: five pages as a phone meets them, through a proxy that compresses.

nginx (Debian's) in front of the bench's gunicorn on 127.0.0.1, with deploy/nginx/branch-portal.conf's
gzip settings and plain HTTP; Lighthouse (npm, LIGHTHOUSE_VERSION, installed under var/lighthouse) drives
Debian's Chromium headless with its mobile defaults (a mid-range phone on a slow 4G link, simulated). Also
the size of each page's HTML as sent, compressed and not. Runs inside the runner's Django.
"""

import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from django.urls import reverse

from . import services
from .pages import LIAISON, MEMBER, SECRETARY, cookie_for

LIGHTHOUSE_VERSION = "13.5.0"
PREFIX = services.ROOT / "var" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
)
GZIP_SETTINGS = re.compile(r"^\s*(gzip[a-z_]*\s[^;]*;)", re.MULTILINE)


def pages() -> list[tuple[str, str, str | None]]:
    return [
        ("login page", reverse("accounts:login"), None),
        ("member's home", reverse("home"), MEMBER),
        ("member's /study/", reverse("study:list"), MEMBER),
        ("liaison's /visits/new/", reverse("visits:new"), LIAISON),
        ("secretary's dashboard", reverse("home"), SECRETARY),
    ]


def audit(base: str) -> dict:
    """Lighthouse's performance and accessibility scores (0–100) and the HTML's size, per page."""
    lighthouse = install()
    if lighthouse is None:
        return {"summary": "not measured: npm or /usr/bin/chromium is missing"}
    results = []
    with nginx(base) as proxied:
        for title, path, role in pages():
            cookie = cookie_for(role) if role else ""
            entry = {"title": title, "path": path, **html_sizes(proxied + path, cookie)}
            entry.update(run(lighthouse, proxied + path, cookie, re.sub(r"\W+", "-", title).strip("-")))
            services.log(f"lighthouse {title}: {entry['performance']} / {entry['accessibility']}")
            results.append(entry)
    return {"version": LIGHTHOUSE_VERSION, "pages": results}


def install() -> Path | None:
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not Path("/usr/bin/chromium").exists() or shutil.which("npm") is None:
        return None
    if not binary.exists():
        services.log(f"installing lighthouse {LIGHTHOUSE_VERSION} (npm)")
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(PREFIX),
             f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True, capture_output=True,
        )  # fmt: skip
    return binary


REPORTS = services.ROOT / "var" / "lighthouse-reports"
ATTEMPTS = 3


def run(lighthouse: Path, url: str, cookie: str, name: str) -> dict:
    """One page's scores; the whole report is kept in var/lighthouse-reports/<name>.json."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.json"
    command = [
        str(lighthouse),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--only-categories=performance,accessibility",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    chrome = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    for attempt in range(ATTEMPTS):
        report.unlink(missing_ok=True)  # never an earlier run's
        finished = subprocess.run(command, capture_output=True, timeout=300, env=chrome)
        data = json.loads(report.read_text()) if report.exists() else {}
        # Lighthouse sometimes loses the page's trace on a busy machine (NO_NAVSTART: "Please run
        # Lighthouse again"), which says nothing of the page: that run is repeated, nothing else is.
        lost_trace = (data.get("runtimeError") or {}).get("code") == "NO_NAVSTART"
        if not lost_trace or attempt == ATTEMPTS - 1:
            break
        services.log(f"lighthouse {name}: the trace was lost (NO_NAVSTART), running it again")
    finished.check_returncode()
    categories, audits = data["categories"], data["audits"]
    failing = [
        key
        for key, found in audits.items()
        if found.get("scoreDisplayMode") in ("binary", "metricSavings") and (found.get("score") or 1) < 0.9
    ]
    return {
        "final_url": data.get("finalDisplayedUrl") or data.get("finalUrl"),
        "performance": round(categories["performance"]["score"] * 100),
        "accessibility": round(categories["accessibility"]["score"] * 100),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "failing_audits": failing,
    }


def html_sizes(url: str, cookie: str) -> dict:
    """The page's HTML as the proxy sends it to a browser that accepts gzip, and unpacked."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as response:
        sent = response.read()
        encoding = response.headers.get("Content-Encoding", "")
    body = gzip.decompress(sent) if encoding == "gzip" else sent
    return {"html_bytes": len(body), "sent_bytes": len(sent), "content_encoding": encoding or "none"}


class nginx:
    """nginx on a free port proxying to `base`, with the production site's gzip lines."""

    def __init__(self, base: str):
        self.base = base
        self.port = services.free_port()
        self.directory = tempfile.TemporaryDirectory()

    def __enter__(self) -> str:
        site = (services.ROOT / "deploy" / "nginx" / "branch-portal.conf").read_text()
        gzip_lines = "\n".join(f"    {line}" for line in GZIP_SETTINGS.findall(site)) or "    gzip on;"
        root = Path(self.directory.name)
        (root / "logs").mkdir()
        (root / "nginx.conf").write_text(
            f"""worker_processes 1;
error_log {root}/logs/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
{gzip_lines}
        location / {{
            proxy_pass {self.base};
            proxy_http_version 1.1;
            proxy_set_header Host 127.0.0.1;
        }}
    }}
}}
"""
        )
        self.process = subprocess.Popen(
            ["nginx", "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"]
        )
        proxied = f"http://127.0.0.1:{self.port}"
        services.wait_for(proxied + reverse("ping"), self.process)
        return proxied

    def __exit__(self, *exc) -> None:
        services.stop(self.process)
        self.directory.cleanup()
