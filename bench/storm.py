"""A retry storm against one served worker, on its own: capacity and goodput in the same rounds.

``gateway serve`` (development, response cache off, ``GATEWAY_MAX_IN_FLIGHT`` 64 unless set in
the environment) pinned to core 0, on a database ``serve`` fills with the demo data; wrk on core
1. Each round measures the capacity at 50 connections, then 640 connections that re-send at once
after every answer, 503s included; the goodput is the storm's answers a second over that
capacity. ``--haproxy`` puts docs/scaling.md's HAProxy configuration in front (on core 1). The
worker's CPU time per answer is reported too: on a shared machine it does not depend on how much
of the core the neighbours took. Every process is stopped by its PID.

Example (a shell)::

    python -m bench.storm --database-url postgresql://postgres@127.0.0.1/storm --rounds 3
    round 1: capacity 120.2 rps (p99 740 ms) | storm 114.2 rps (p99 1907 ms) ... goodput 0.95
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.overload import latency_lua, read_latencies
from bench.report import show
from bench.servers import free_port
from bench.wrk import run_wrk, write_script
from tests.http.test_haproxy_queue import documented_config
from tests.serving import running_process

CART = (
    '{ cartPromotions(customerId: "demo-loyal", includeSupplementary: true) {'
    " promotionId promotionName promotionStatus earnedStatus validTill"
    " restrictions { customer { kpi maxLimit remainingRedemption } }"
    " supplementaryCriteria { loyaltyProgramId programType } } }"
)
STORM_CONNECTIONS = 640


@dataclass(frozen=True)
class Phase:
    """One wrk run: answers a second, their p99, responses by status, worker CPU per answer."""

    rps: float
    p99_ms: float | None
    statuses: dict[int, int]
    cpu_ms_per_answer: float


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, workdir: Path, *, connections: int, duration_s: int, pid: int) -> Phase:
    """A wrk run whose connections send their next request at once after any answer."""
    body = json.dumps({"query": CART})
    name = f"storm-{connections}"
    script = write_script(workdir / f"{name}.lua", [body], {}, extra=latency_lua(backoff_ms=0))
    out = workdir / f"{name}.latencies"
    before = cpu_seconds(pid)
    run_wrk(url, script, duration_s=duration_s, connections=connections, args=[str(out)])
    used = cpu_seconds(pid) - before
    split = read_latencies(out, duration_s=duration_s, skip_s=2 if connections > 50 else 1)
    answers = max(1, split.statuses.get(200, 0))
    return Phase(split.admitted_rps, split.admitted_p99_ms, split.statuses, 1000 * used / answers)


@contextmanager
def served(database_url: str, workdir: Path) -> Iterator[tuple[str, int]]:
    """``gateway serve`` pinned to core 0; (base URL, PID)."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GATEWAY_DATA_DIR": str(workdir / "state"),
        "GATEWAY_IDE_FETCH": "false",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_MAX_IN_FLIGHT": os.environ.get("GATEWAY_MAX_IN_FLIGHT", "64"),
    }
    command = ["taskset", "-c", "0", sys.executable, "-m", "gateway", "serve", "--port", str(port)]
    ready = lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200  # noqa: E731
    with running_process(command, ready, env=env, log=workdir / "serve.log") as process:
        yield base, process.pid


@contextmanager
def haproxy(gateway: str, workdir: Path) -> Iterator[str]:
    """docs/scaling.md's HAProxy before ``gateway``, pinned to core 1; its base URL."""
    import httpx

    port = free_port()
    config = workdir / "haproxy.cfg"
    config.write_text(documented_config(port, gateway, maxconn=32))
    command = ["taskset", "-c", "1", "haproxy", "-db", "-f", str(config)]
    base = f"http://127.0.0.1:{port}"
    ready = lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200  # noqa: E731
    with running_process(command, ready, log=workdir / "haproxy.log"):
        yield base


def run_rounds(url: str, workdir: Path, pid: int, count: int) -> None:
    """``count`` rounds of capacity then storm, each printed, then the medians."""
    goodputs, efficiencies, p99s = [], [], []
    measure(url, workdir, connections=50, duration_s=3, pid=pid)  # warm-up
    for number in range(1, count + 1):
        capacity = measure(url, workdir, connections=50, duration_s=6, pid=pid)
        time.sleep(1)
        storm = measure(url, workdir, connections=STORM_CONNECTIONS, duration_s=10, pid=pid)
        time.sleep(3)  # the storm's held refusals end before the next round
        goodputs.append(storm.rps / max(0.1, capacity.rps))
        efficiencies.append(capacity.cpu_ms_per_answer / storm.cpu_ms_per_answer)
        p99s.append(storm.p99_ms or 0.0)
        print(
            f"round {number}: capacity {capacity.rps:.1f} rps (p99 {show(capacity.p99_ms)} ms)"
            f" | storm {storm.rps:.1f} rps (p99 {show(storm.p99_ms)} ms), statuses "
            f"{show(storm.statuses)}"
            f" | goodput {goodputs[-1]:.2f}, CPU efficiency {efficiencies[-1]:.2f}",
            flush=True,
        )
    median_p99 = statistics.median(p99s)
    print(
        f"median goodput {statistics.median(goodputs):.2f}, CPU efficiency "
        f"{statistics.median(efficiencies):.2f}, storm admitted p99 {median_p99:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Serve, optionally behind HAProxy, and run the rounds."""
    parser = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__)
    parser.add_argument("--database-url", required=True, help="a database serve may fill")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--haproxy", action="store_true", help="HAProxy in front (docs config)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gateway-storm-"))
    with ExitStack() as stack:
        base, pid = stack.enter_context(served(args.database_url, workdir))
        if args.haproxy:
            base = stack.enter_context(haproxy(base.removeprefix("http://"), workdir))
        run_rounds(f"{base}/graphql", workdir, pid, args.rounds)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    sys.exit(main())
