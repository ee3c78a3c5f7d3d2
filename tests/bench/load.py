"""wrk against one page: requests/s, p50, p95, p99 and the count of failed responses."""

import json
import subprocess
import tempfile
from dataclasses import dataclass

# wrk's done() hook prints the figures as one JSON line, so nothing is parsed from its text report.
REPORT_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"errors": %d, "status": %d}\\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


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


def run_wrk(url: str, cookie: str, seconds: float, threads: int = 2, connections: int = 16) -> Load:
    """One wrk run; a failure is a socket error, a timeout or a status other than 2xx/3xx."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(REPORT_SCRIPT)
        script.flush()
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            *(["-H", f"Cookie: {cookie}"] if cookie else []),
            url,
        ]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
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
