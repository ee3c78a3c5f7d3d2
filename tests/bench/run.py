"""`make bench`: the bureau-scale benchmark (README "Performance", issue #8).

    python -m tests.bench.run [--seconds 10] [--rounds 2] [--branches 200 --members-per-branch 50]
    python -m tests.bench.run --only planner   # one part (pages, planner, fanout); repeatable

Builds or reuses the bench database (PostgreSQL, 10,000 members), serves it with gunicorn
(2 sync workers, production settings) on 127.0.0.1 and loads every main page with wrk, in
rounds whose page order alternates so that drift on a shared machine averages out. Then it
times the visit planner and a notice fan-out through Celery. Prints a table and writes the
same figures as JSON to $BENCH_OUT (default var/bench.json). Targets are reported, not asserted.
"""

import argparse
import json
import os
import platform
import time
import urllib.request
from pathlib import Path

from . import services
from .load import combine, run_wrk
from .services import log
from .stub import SmsStub

TARGETS = {
    "min_ratio_to_bare": 0.10,
    "max_p99_ms": 100,
    "min_ratio_to_admin": 10,
    "max_queries": 10,
    "max_planner_to_floor": 3,
    "max_planner_again_to_floor": 1,
    "min_fanout_to_noop": 1,
}
PARTS = ("pages", "planner", "fanout")


def main(argv=None) -> int:
    args = parse(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    started = time.monotonic()
    sms = SmsStub()
    env = prepare(args, sms.port)
    os.environ.update(env)
    import django

    django.setup()
    from . import pages as page_module

    branch_id, member_id = page_module.bench_branch_and_member()
    pages = page_module.resolve(page_module.PAGES, member_id) if "pages" in args.only else []
    if pages:
        page_module.count_queries(pages)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "settings": {
            "workers": 2,
            "threads": 2,
            "connections": 16,
            "seconds": args.seconds,
            "rounds": args.rounds,
        },
        "branch_id": branch_id,
        "pages": measure_pages(env, pages, args) if pages else {},
        "targets": TARGETS,
    }
    from . import jobs

    if "planner" in args.only:
        result["planner"] = guarded(jobs.planner)
    if "fanout" in args.only:
        with sms:
            result["fanout"] = guarded(jobs.fanout, env, sms)
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    print(report(result))
    # A partial run does not overwrite the figures of the last full one.
    name = "bench.json" if args.only == set(PARTS) else f"bench-{'-'.join(sorted(args.only))}.json"
    out = Path(os.environ.get("BENCH_OUT") or services.ROOT / "var" / name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"wrote {out} ({result['elapsed_s']} s in all)")
    return 0


def guarded(job, *args) -> dict:
    """A job that fails (an app half-built in the shared tree) is reported; the pages' figures still count."""
    try:
        return job(*args)
    except Exception as exc:  # noqa: BLE001 - any failure is the figure to report
        log(f"{job.__name__} failed: {exc!r}")
        return {"summary": f"failed: {exc.__class__.__name__}: {exc}"[:500]}


def parse(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="Length of one wrk run (per page per round).")
    parser.add_argument("--rounds", type=int, default=2, help="Rounds over all pages, alternating order.")
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--members-per-branch", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and seed it again.")
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="Measure only this part (repeat for several); all parts when not given.",
    )
    parser.add_argument(
        "--markdown", metavar="JSON", help="Print a saved result as a Markdown table; run nothing."
    )
    args = parser.parse_args(argv)
    args.only = set(args.only or PARTS)
    return args


def prepare(args, sms_port: int) -> dict[str, str]:
    services.start_servers()
    database = services.database_name(args.branches, args.members_per_branch)
    services.prepare_database(database, rebuild=args.rebuild)
    env = services.environment(database, sms_port)
    services.manage(env, "migrate", "--noinput", "-v0")
    services.remember_migrations(database)
    services.manage(
        env,
        "seed_bench",
        "--branches",
        str(args.branches),
        "--members-per-branch",
        str(args.members_per_branch),
    )
    services.manage(env, "collectstatic", "--noinput", "-v0")
    return env


def measure_pages(env, pages, args) -> dict:
    """wrk on every page: first as readers meet them while nothing changes (bodies from the cache),
    then with the body cache off (every body rendered afresh, as after each write)."""
    present = [page for page in pages if page.url]
    cached = _load(env, present, args)
    rendered_env = {**env, "PAGE_BODY_CACHE_SECONDS": "0"}
    rendered = _load(rendered_env, [p for p in present if p.key not in ("bare", "admin")], args)
    bare, admin = cached.get("bare"), cached.get("admin")
    figures = {}
    for page in pages:
        entry = {
            "title": page.title,
            "url": page.url,
            "queries": page.queries,
            "alone_ms": page.alone_ms,
            "cached_queries": page.cached_queries,
            "cached_ms": page.cached_ms,
            "notes": page.notes,
        }
        if page.url is None:
            entry["notes"] = ["not built yet: no URL named " + " / ".join(page.url_names)]
        elif page.key in cached:
            entry.update(_figures(cached[page.key], bare, admin))
            if page.key in rendered:
                entry["rendered"] = _figures(rendered[page.key], bare, admin)
            entry["meets_targets"] = meets(page.key, entry)
        figures[page.key] = entry
    return figures


def _load(env, pages, args) -> dict:
    """Each page's combined wrk figures over the rounds, in alternating order, on one gunicorn."""
    from .pages import ADMIN, ANONYMOUS, COMMITTEE, http_login

    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    runs = {page.key: [] for page in pages}
    with services.gunicorn(env, port):
        cookies = {
            ANONYMOUS: "",
            COMMITTEE: http_login(base, page_user(COMMITTEE)),
            ADMIN: http_login(base, page_user(ADMIN)),
        }
        for page in pages:
            run_wrk(base + page.url, cookies[page.user], seconds=1)  # warm both workers' caches
            settle(base)
        for round_no in range(args.rounds):
            order = pages if round_no % 2 == 0 else list(reversed(pages))
            for page in order:
                load = run_wrk(base + page.url, cookies[page.user], seconds=args.seconds)
                settle(base)
                runs[page.key].append(load)
                log(f"round {round_no + 1} {page.key}: {load.rps:.0f} req/s, p99 {load.p99_ms:.1f} ms")
    return {key: (combine(loads), loads) for key, loads in runs.items()}


def _figures(measured, bare, admin) -> dict:
    load, rounds = measured
    return {
        "rps": round(load.rps, 1),
        "p50_ms": round(load.p50_ms, 1),
        "p99_ms": round(load.p99_ms, 1),
        "requests": load.requests,
        "failures": load.failures,
        "bad_status": load.bad_status,
        "ratio_to_bare": round(load.rps / bare[0].rps, 4) if bare and bare[0].rps else None,
        "ratio_to_admin": round(load.rps / admin[0].rps, 2) if admin and admin[0].rps else None,
        "rounds": [round(r.rps, 1) for r in rounds],
    }


def settle(base: str, timeout: float = 60) -> None:
    """Waits until the requests wrk left queued at its end are served: the next page starts clean."""
    quick = 0
    deadline = time.monotonic() + timeout
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        with urllib.request.urlopen(base + "/healthz/ping", timeout=timeout) as response:
            response.read()
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0


def page_user(role: str) -> str:
    from branch_portal.bench.base import ADMIN_USERNAME, committee_username

    return ADMIN_USERNAME if role == "admin" else committee_username(1)


def meets(key: str, entry: dict) -> bool | None:
    if key in ("bare", "admin"):
        return None
    return (
        entry["failures"] == 0
        and entry["queries"] is not None
        and entry["queries"] <= TARGETS["max_queries"]
        and entry["ratio_to_bare"] >= TARGETS["min_ratio_to_bare"]
        and entry["p99_ms"] < TARGETS["max_p99_ms"]
        and entry["ratio_to_admin"] >= TARGETS["min_ratio_to_admin"]
    )


def report(result: dict) -> str:
    lines = [""]
    if result["pages"]:
        lines.append(
            f"{'page':<16} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7} {'×bare':>7} {'×admin':>7}"
            f" {'ms':>6} {'cached':>7} {'fresh/s':>8} {'×bare':>7} {'p99':>6}  target"
        )
    for key, entry in result["pages"].items():
        if "rps" not in entry:
            lines.append(f"{key:<16} {'—':>8}  {'; '.join(entry['notes'])}")
            continue
        verdict = {None: "", True: "met", False: "NOT met"}[entry["meets_targets"]]
        if entry["failures"]:
            verdict += f" ({entry['failures']} failed responses)"
        fresh = entry.get("rendered", {})
        lines.append(
            f"{key:<16} {entry['rps']:>8.1f} {entry['p50_ms']:>7.1f} {entry['p99_ms']:>7.1f} "
            f"{entry['queries'] if entry['queries'] is not None else '?':>7} "
            f"{entry['ratio_to_bare']:>7.1%} {entry['ratio_to_admin']:>7.1f} "
            f"{entry['alone_ms'] or 0:>6.1f} {entry.get('cached_ms') or 0:>7.1f} "
            f"{fresh.get('rps', 0):>8.1f} {fresh.get('ratio_to_bare') or 0:>7.1%} "
            f"{fresh.get('p99_ms', 0):>6.0f}"
            f"  {verdict}"
        )
    for name in ("planner", "fanout"):
        if name not in result:
            continue
        job = result[name]
        lines.append(f"{name}: {job.get('summary', 'not measured')}")
    lines.append(
        f"machine: {result['machine']['cpus']} CPUs, load average at start {result['machine']['load']}"
    )
    return "\n".join(lines)


def markdown(result: dict) -> str:
    """The pages' table as in README "Performance"."""
    lines = [
        "| page | req/s | p50 ms | p99 ms | queries | × bare | × admin | alone ms | cached ms "
        "| rendered req/s | rendered × bare | rendered p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for entry in result["pages"].values():
        if "rps" not in entry:
            lines.append(f"| {entry['title']} | — | | | | | | | | | | |")
            continue
        fresh = entry.get("rendered")
        rendered = (
            f"{fresh['rps']:.1f} | {fresh['ratio_to_bare']:.1%} | {fresh['p99_ms']:.0f}" if fresh else "| |"
        )
        lines.append(
            f"| {entry['title']} | {entry['rps']:.1f} | {entry['p50_ms']:.0f} | {entry['p99_ms']:.0f} | "
            f"{entry['queries']} | {entry['ratio_to_bare']:.1%} | {entry['ratio_to_admin']:.1f} | "
            f"{entry.get('alone_ms') or 0:.1f} | {entry.get('cached_ms') or 0:.1f} | {rendered} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
