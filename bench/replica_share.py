"""``replica_read_share``: how many cold reads a streaming replica 2 s behind answers.

A primary and its replica (``recovery_min_apply_delay = '2s'``) are started from the machine's
PostgreSQL binaries (``streaming_replica``), the dataset is built on the primary at a small scale
(at most ``REPLICA_SCALE``), and one gateway (production, response cache on,
``DATABASE_READ_URL`` on the replica) serves carts of customers met once each while a writer
changes other customers on the primary every ``WRITE_INTERVAL_S``. The share is read from the
gateway's ``gateway_replica_reads_total{outcome}`` counters: replica / (replica + redone +
primary). No answer is ever stale by construction (the rule is checked per request, and
``tests/cache/test_replica_reads.py`` shows it on the same kind of pair).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import asyncpg

from bench import scenarios
from bench.dataset import dsn_with_database, ensure_dataset
from bench.pacing import error_counting_lua, parse_counts
from bench.servers import Server
from bench.shape import Shape, customer_id, describe_shape
from bench.wrk import finish_wrk, parse_output, start_wrk, write_script
from tests.streaming_replica import ReplicaToolsMissing, server_bin_dir, streaming_replica

REPLICA_SCALE = 0.01
WRITE_INTERVAL_S = 0.05
CATCH_UP_TIMEOUT_S = 120.0
OUTCOMES = ("replica", "redone", "primary")
Figures = dict[str, Any]
StartGateway = Callable[[Mapping[str, str]], Server]


def replica_outcomes(text: str) -> dict[str, float]:
    """``gateway_replica_reads_total`` by outcome from Prometheus text (0 when absent).

    >>> replica_outcomes('gateway_replica_reads_total{outcome="replica"} 9.0\\n')["replica"]
    9.0
    """
    counts = dict.fromkeys(OUTCOMES, 0.0)
    for outcome, value in re.findall(
        r'^gateway_replica_reads_total\{outcome="(\w+)"\} (\S+)$', text, re.M
    ):
        counts[outcome] = float(value)
    return counts


def _outcomes(server: Server, headers: Mapping[str, str]) -> dict[str, float]:
    request = urllib.request.Request(server.url("/metrics"), headers=dict(headers))
    with urllib.request.urlopen(request, timeout=10) as response:
        return replica_outcomes(response.read().decode())


async def _caught_up(replica_dsn: str, primary_dsn: str) -> None:
    """Wait until the replica shows every transaction the primary has finished."""
    primary = await asyncpg.connect(primary_dsn)
    try:
        target = int(await primary.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
    finally:
        await primary.close()
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            replica = await asyncpg.connect(replica_dsn)
            try:
                xmin = await replica.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot())")
                if int(xmin) >= target:
                    return
            finally:
                await replica.close()
        except asyncpg.InvalidCatalogNameError:
            pass  # the database itself is not replayed yet
        await asyncio.sleep(0.2)
    raise TimeoutError("the replica did not catch up in time")


def _writer(dsn: str, numbers: list[int], stop: threading.Event) -> threading.Thread:
    """Change other customers on the primary every WRITE_INTERVAL_S until ``stop``."""

    async def write() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            index = 0
            while not stop.is_set():
                number = numbers[index % len(numbers)]
                await conn.execute(
                    "UPDATE customers SET email = email WHERE customer_id = $1",
                    customer_id(number),
                )
                index += 1
                await asyncio.sleep(WRITE_INTERVAL_S)
        finally:
            await conn.close()

    thread = threading.Thread(target=lambda: asyncio.run(write()), daemon=True)
    thread.start()
    return thread


def measure_replica_share(
    scale: float,
    duration_s: float,
    connections: int,
    workdir: Path,
    env: Mapping[str, str],
    headers_for: Callable[[str], Mapping[str, str]],
    start_gateway: StartGateway,
    log: Callable[[str], None],
) -> Figures:
    """The ``replica_read_share`` figures (and a note when the PostgreSQL tools are missing).

    ``headers_for(dsn)`` makes an API key on the primary's dataset; ``start_gateway(env)`` runs
    the gateway with that environment.
    """
    try:
        server_bin_dir()
    except ReplicaToolsMissing as missing:
        return {"replica_read_share": None, "notes": [f"replica_read_share: {missing}"]}
    shape = Shape.at(min(scale, REPLICA_SCALE))
    with streaming_replica("2s") as pair:
        log(f"replica: dataset {describe_shape(shape)} on a fresh primary, replica 2 s behind ...")
        info = asyncio.run(ensure_dataset(pair.primary_dsn, "gateway_bench", shape))
        headers = headers_for(info.dsn)
        replica_dsn = dsn_with_database(pair.replica_dsn, "gateway_bench")
        asyncio.run(_caught_up(replica_dsn, info.dsn))
        routed_env = {**env, "DATABASE_URL": info.dsn, "DATABASE_READ_URL": replica_dsn}
        warm, measured = scenarios.cold_customers(shape)
        # Answers are counted too: a read that failed on the replica is no read to count.
        script = write_script(
            workdir / "replica.lua",
            scenarios.cart_bodies_for(measured),
            headers,
            extra=error_counting_lua(),
        )
        with start_gateway(routed_env) as server:
            server.wait_ready(scenarios.body(scenarios.HELLO).encode(), headers, timeout_s=60)
            before = _outcomes(server, headers)
            stop = threading.Event()
            writer = _writer(info.dsn, warm, stop)
            try:
                process = start_wrk(
                    server.url(), script, duration_s=duration_s, connections=connections
                )
                output = finish_wrk(process, duration_s=duration_s)
            finally:
                stop.set()
                writer.join(timeout=10)
            after = _outcomes(server, headers)
    result = parse_output(output)
    non_2xx, graphql_errors, first_error = parse_counts(output)
    counts = {o: after[o] - before[o] for o in OUTCOMES}
    total = sum(counts.values())
    share = round(counts["replica"] / total, 4) if total else None
    errors = non_2xx + graphql_errors + result.socket_errors
    log(f"replica: {counts} -> replica_read_share {share}, {errors} answers failed")
    figures: Figures = {
        "replica_read_share": share,
        "replica_reads": counts,
        "replica_cart_rps": round(result.rps, 1) if result.requests else None,
        "replica_cart_errors": errors,
    }
    if errors:
        # The share counts reads; answers that failed make it say little.
        figures["replica_read_share"] = None
        figures["notes"] = [f"replica_read_share: {errors} answers failed, first: {first_error}"]
    return figures
