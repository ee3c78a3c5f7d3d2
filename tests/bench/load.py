"""wrk against one page or playing the mix: requests/s, p50, p95, p99 and the count of failed responses."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

# One wrk script for a page and for the mix; its done() hook prints the figures as one JSON line, so
# nothing is parsed from wrk's text report.
SCRIPT = Path(__file__).with_name("wrk.lua")


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int
    bad_status: int = 0  # of the failures, responses other than 2xx/3xx (the rest: socket errors, timeouts)
    p95_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    seconds: float,
    *,
    cookie: str = "",
    requests_file: Path | None = None,
    threads: int = 2,
    connections: int = 16,
) -> Load:
    """One wrk run against `url`, or playing `requests_file` (mix.py) on the server `url` names.

    A failure is a socket error, a timeout or a status other than 2xx/3xx."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    command += ["-s", str(SCRIPT), *(["-H", f"Cookie: {cookie}"] if cookie else []), url]
    command += ["--", str(requests_file)] if requests_file else []
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    line = next((line for line in output.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{output}")
    data = json.loads(line.removeprefix("BENCH "))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        failures=data["errors"] + data["status"],
        bad_status=data["status"],
    )


def combine(loads: list[Load]) -> Load:
    """Rounds of one page taken at different moments: requests over time, the worse percentiles."""
    return Load(
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        p50_ms=sum(load.p50_ms * load.requests for load in loads)
        / max(1, sum(load.requests for load in loads)),
        p95_ms=max(load.p95_ms for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        failures=sum(load.failures for load in loads),
        bad_status=sum(load.bad_status for load in loads),
    )
