"""`make bench`: the bureau-scale benchmark (README "Performance", issues #8 and #15).

    python -m tests.bench.run [--mix-seconds 20] [--seconds 5] [--rounds 2]
    python -m tests.bench.run --only mix          # one part (mix, pages, planner, fanout); repeatable
    python -m tests.bench.run --lighthouse        # also Lighthouse on five pages as a phone

Builds or reuses the bench database (PostgreSQL, 10,000 members) and measures on a throwaway copy
of it (the bench database is left as found), served by gunicorn (2 sync workers, production
settings) on 127.0.0.1 beside a Celery worker and beat. The headline: a day's mix of 230 sessions
of every role with their pages' htmx requests and 5 % writes (tests/bench/mix.py), with the bare
view and the admin changelist in the same rounds, the order alternating so that drift on a shared
machine averages out. Beneath it, each main page alone with wrk, as the diagnosis. Then the visit
planner and a notice fan-out through Celery. Prints a table and writes the same figures as JSON to
$BENCH_OUT (default var/bench.json). Targets are reported, not asserted.
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
    "mix_min_ratio_to_bare": 0.10,
    "mix_min_ratio_to_admin": 10,
    "mix_max_p95_ms": 400,
    "max_alone_ms": 25,
    "min_ratio_to_bare": 0.10,
    "max_p99_ms": 100,
    "min_ratio_to_admin": 10,
    "max_queries": 10,
    "max_planner_to_floor": 3,
    "max_planner_again_to_floor": 1,
    "min_fanout_to_noop": 1,
}
PARTS = ("mix", "pages", "planner", "fanout")
MIX_CONNECTIONS = 32


def main(argv=None) -> int:
    args = parse(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    started = time.monotonic()
    sms = SmsStub()
    env, database = prepare(args, sms.port)
    os.environ.update(env)
    import django

    django.setup()
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "settings": {
            "workers": 2,
            "mix_connections": MIX_CONNECTIONS,
            "page_connections": 16,
            "seconds": args.seconds,
            "mix_seconds": args.mix_seconds,
            "rounds": args.rounds,
        },
        "targets": TARGETS,
    }
    if args.only & {"mix", "pages"} or args.lighthouse:
        result.update(served(env, database, args))
    from . import jobs

    if "planner" in args.only:
        result["planner"] = guarded(jobs.planner)
    if "fanout" in args.only:
        with sms:
            result["fanout"] = guarded(jobs.fanout, env, sms)
    result["machine"]["load_at_end"] = os.getloadavg()
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    print(report(result))
    # A partial run does not overwrite the figures of the last full one.
    parts = "-".join(sorted(args.only)) or "lighthouse"
    name = "bench.json" if args.only == set(PARTS) else f"bench-{parts}.json"
    out = Path(os.environ.get("BENCH_OUT") or services.ROOT / "var" / name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"wrote {out} ({result['elapsed_s']} s in all)")
    return 0


def served(env: dict, database: str, args) -> dict:
    """Everything measured through gunicorn, on a copy of the bench database dropped afterwards."""
    from django.db import connections

    from . import pages as page_module

    connections.close_all()
    with services.database_copy(database) as copy:
        use_database(copy)
        run_env = {**env, "DATABASE_URL": services.database_url(copy)}
        port = services.free_port()
        base = f"http://127.0.0.1:{port}"
        found = {}
        pages = page_module.resolve(page_module.PAGES) if "pages" in args.only else []
        page_module.count_queries(pages)
        with services.gunicorn(run_env, port), services.celery_worker(run_env), services.celery_beat(run_env):
            if "mix" in args.only:
                found["mix"] = measure_mix(base, args)
            if pages:
                found["pages"] = measure_pages(base, pages, args, found.get("mix"))
            if args.lighthouse:
                from . import lighthouse

                found["lighthouse"] = guarded(lighthouse.audit, base)
        connections.close_all()
    use_database(database)
    return found


def use_database(name: str) -> None:
    """Points the runner's own Django at another database (its connections closed first)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


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
    parser.add_argument(
        "--mix-seconds", type=int, default=20, help="Length of the mix, bare and admin runs of each round."
    )
    parser.add_argument(
        "--lighthouse", action="store_true", help="Also audit five pages with Lighthouse as a phone."
    )
    parser.add_argument("--rounds", type=int, default=2, help="Rounds over all pages, alternating order.")
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--members-per-branch", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and seed it again.")
    parser.add_argument(
        "--only",
        action="append",
        choices=(*PARTS, "lighthouse"),
        help="Measure only this part (repeat for several); all parts when not given.",
    )
    parser.add_argument(
        "--markdown", metavar="JSON", help="Print a saved result as a Markdown table; run nothing."
    )
    args = parser.parse_args(argv)
    args.lighthouse = args.lighthouse or "lighthouse" in (args.only or ())
    args.only = set(args.only or PARTS) - {"lighthouse"}
    return args


def prepare(args, sms_port: int) -> tuple[dict[str, str], str]:
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
    return env, database


def measure_mix(base: str, args) -> dict:
    """The headline: the mix, the bare view and the admin changelist at 32 connections, in rounds of
    alternating order; the hourly planner fires at the start of each round's mix."""
    from visits.tasks import plan_visits_task

    from . import mix
    from .pages import admin_cookie

    sessions, requests_file, shape = mix.prepared()
    log(f"mix: {shape}")
    bare_url, admin_url = base + reverse_url("ping"), base + reverse_url("admin:members_member_changelist")
    # What wrk asks for: the mix's list played on the server, or one page with its cookie.
    targets = {
        "mix": (base, "", requests_file),
        "bare": (bare_url, "", None),
        "admin": (admin_url, admin_cookie(), None),
    }
    run_wrk(base, 3, requests_file=requests_file, connections=MIX_CONNECTIONS)  # warms both workers
    settle(base)
    runs = {"mix": [], "bare": [], "admin": []}
    for round_no in range(args.rounds):
        order = ["bare", "admin", "mix"] if round_no % 2 == 0 else ["mix", "admin", "bare"]
        for kind in order:
            if kind == "mix":
                plan_visits_task.delay()
            url, with_cookie, played = targets[kind]
            load = run_wrk(
                url, args.mix_seconds, cookie=with_cookie, requests_file=played, connections=MIX_CONNECTIONS
            )
            settle(base)
            runs[kind].append(load)
            log(
                f"round {round_no + 1} {kind}: {load.rps:.1f} req/s, p95 {load.p95_ms:.0f} ms, "
                f"{load.failures} failed"
            )
    requests_file.unlink()
    combined = {kind: combine(loads) for kind, loads in runs.items()}
    figures = {
        kind: {**_load_figures(load), "rounds": [_load_figures(one) for one in runs[kind]]}
        for kind, load in combined.items()
    }
    mixed, bare, admin = combined["mix"], combined["bare"], combined["admin"]
    figures["mix"]["ratio_to_bare"] = round(mixed.rps / bare.rps, 4) if bare.rps else None
    figures["mix"]["ratio_to_admin"] = round(mixed.rps / admin.rps, 2) if admin.rps else None
    figures["mix"]["meets_targets"] = bool(
        mixed.failures == 0
        and figures["mix"]["ratio_to_bare"] >= TARGETS["mix_min_ratio_to_bare"]
        and figures["mix"]["ratio_to_admin"] >= TARGETS["mix_min_ratio_to_admin"]
        and mixed.p95_ms < TARGETS["mix_max_p95_ms"]
    )
    return {"shape": shape, **figures}


def _load_figures(load) -> dict:
    return {
        "rps": round(load.rps, 1),
        "p50_ms": round(load.p50_ms, 1),
        "p95_ms": round(load.p95_ms, 1),
        "p99_ms": round(load.p99_ms, 1),
        "requests": load.requests,
        "failures": load.failures,
        "bad_status": load.bad_status,
    }


def reverse_url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


def measure_pages(base: str, pages, args, mixed: dict | None) -> dict:
    """The diagnosis: wrk on each page alone (16 connections), rounds in alternating order."""
    present = [page for page in pages if page.url]
    measured = _load(base, present, args)
    bare, admin = measured.get("bare"), measured.get("admin")
    figures = {}
    for page in pages:
        entry = {
            "title": page.title,
            "url": page.url,
            "user": page.user,
            "queries": page.queries,
            "alone_ms": page.alone_ms,
            "notes": page.notes,
        }
        if page.url is None:
            entry["notes"] = ["not built yet: no URL named " + " / ".join(page.url_names)]
        elif page.key in measured:
            entry.update(_figures(measured[page.key], bare, admin))
            entry["meets_targets"] = meets(page.key, entry)
        figures[page.key] = entry
    return figures


def _load(base: str, pages, args) -> dict:
    """Each page's combined wrk figures over the rounds, in alternating order."""
    from .pages import cookie_for

    runs = {page.key: [] for page in pages}
    cookies = {page.user: cookie_for(page.user) for page in pages}
    for page in pages:
        run_wrk(base + page.url, 1, cookie=cookies[page.user])  # warms both workers
        settle(base)
    for round_no in range(args.rounds):
        order = pages if round_no % 2 == 0 else list(reversed(pages))
        for page in order:
            load = run_wrk(base + page.url, args.seconds, cookie=cookies[page.user])
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


def meets(key: str, entry: dict) -> bool | None:
    if key in ("bare", "admin"):
        return None
    return (
        entry["failures"] == 0
        and entry["queries"] is not None
        and entry["queries"] <= TARGETS["max_queries"]
        and entry["alone_ms"] <= TARGETS["max_alone_ms"]
        and entry["ratio_to_bare"] >= TARGETS["min_ratio_to_bare"]
        and entry["p99_ms"] < TARGETS["max_p99_ms"]
        and entry["ratio_to_admin"] >= TARGETS["min_ratio_to_admin"]
    )


def report(result: dict) -> str:
    lines = [""]
    if "mix" in result:
        lines += _mix_lines(result["mix"])
    if result.get("pages"):
        lines.append(
            f"{'page':<20} {'user':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7} {'×bare':>7}"
            f" {'×admin':>7} {'alone ms':>8}  target"
        )
    for key, entry in result.get("pages", {}).items():
        if "rps" not in entry:
            lines.append(f"{key:<20} {'—':>8}  {'; '.join(entry['notes'])}")
            continue
        verdict = {None: "", True: "met", False: "NOT met"}[entry["meets_targets"]]
        if entry["failures"]:
            verdict += f" ({entry['failures']} failed responses)"
        lines.append(
            f"{key:<20} {entry['user']:<10} {entry['rps']:>8.1f} "
            f"{entry['p50_ms']:>7.1f} {entry['p99_ms']:>7.1f} "
            f"{entry['queries'] if entry['queries'] is not None else '?':>7} "
            f"{entry['ratio_to_bare']:>7.1%} {entry['ratio_to_admin']:>7.1f} "
            f"{entry['alone_ms'] or 0:>8.1f}  {verdict}"
        )
    if "lighthouse" in result:
        lines += _lighthouse_lines(result["lighthouse"])
    for name in ("planner", "fanout"):
        if name not in result:
            continue
        job = result[name]
        lines.append(f"{name}: {job.get('summary', 'not measured')}")
    machine = result["machine"]
    lines.append(
        f"machine: {machine['cpus']} CPUs, load average at start {_load_text(machine['load'])}, "
        f"at end {_load_text(machine.get('load_at_end'))}"
    )
    return "\n".join(lines)


def _load_text(load) -> str:
    return " / ".join(f"{x:.2f}" for x in load) if load else "?"


def _mix_lines(mixed: dict) -> list[str]:
    shape = mixed["shape"]
    lines = [
        f"mix: {shape['sessions']} sessions over {shape['branches']} branches "
        f"({', '.join(f'{n} {role}' for role, n in shape['roles'].items())}), "
        f"{shape['writes_share']:.1%} writes, {shape['follow_up_share']:.1%} htmx follow-ups; "
        f"{MIX_CONNECTIONS} connections",
        f"{'load':<20} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'failed':>7}  rounds (req/s)",
    ]
    for kind in ("mix", "bare", "admin"):
        entry = mixed[kind]
        rounds = ", ".join(f"{r['rps']:.1f}" for r in entry["rounds"])
        lines.append(
            f"{kind:<20} {entry['rps']:>8.1f} {entry['p50_ms']:>7.0f} {entry['p95_ms']:>7.0f} "
            f"{entry['p99_ms']:>7.0f} {entry['failures']:>7}  {rounds}"
        )
    verdict = "met" if mixed["mix"]["meets_targets"] else "NOT met"
    lines.append(
        f"mix = {mixed['mix']['ratio_to_bare']:.1%} of bare, {mixed['mix']['ratio_to_admin']:.1f}× admin, "
        f"p95 {mixed['mix']['p95_ms']:.0f} ms (targets ≥ 10 %, ≥ 10×, < 400 ms): {verdict}"
    )
    return [*lines, ""]


def _lighthouse_lines(audits: dict) -> list[str]:
    if "summary" in audits:
        return [f"lighthouse: {audits['summary']}"]
    lines = ["", f"{'Lighthouse (mobile)':<32} {'performance':>11} {'accessibility':>13}"]
    for page in audits["pages"]:
        lines.append(f"{page['title']:<32} {page['performance']:>11} {page['accessibility']:>13}")
    return [*lines, ""]


def markdown(result: dict) -> str:
    """The headline and the pages' table as in README "Performance"."""
    lines = []
    if "mix" in result:
        lines += [
            "| load (2 sync workers, 32 connections) | req/s | p50 ms | p95 ms | p99 ms | failed "
            "| rounds req/s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        titles = {"mix": "the day's mix", "bare": "bare view (/healthz/ping)", "admin": "admin changelist"}
        for kind, title in titles.items():
            e = result["mix"][kind]
            rounds = ", ".join(f"{r['rps']:.1f}" for r in e["rounds"])
            lines.append(
                f"| {title} | {e['rps']:.1f} | {e['p50_ms']:.0f} | {e['p95_ms']:.0f} | {e['p99_ms']:.0f} "
                f"| {e['failures']} | {rounds} |"
            )
        lines.append("")
    lines += [
        "| page | as | req/s | p50 ms | p99 ms | queries | × bare | × admin | alone ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for entry in result.get("pages", {}).values():
        if "rps" not in entry:
            lines.append(f"| {entry['title']} | — | | | | | | | |")
            continue
        lines.append(
            f"| {entry['title']} | {entry['user']} | {entry['rps']:.1f} | {entry['p50_ms']:.0f} "
            f"| {entry['p99_ms']:.0f} | {entry['queries']} | {entry['ratio_to_bare']:.1%} "
            f"| {entry['ratio_to_admin']:.1f} | {entry.get('alone_ms') or 0:.1f} |"
        )
    if "lighthouse" in result and "pages" in result["lighthouse"]:
        lines += ["", "| page (Lighthouse, mobile) | performance | accessibility |", "| --- | ---: | ---: |"]
        for page in result["lighthouse"]["pages"]:
            lines.append(f"| {page['title']} | {page['performance']} | {page['accessibility']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
