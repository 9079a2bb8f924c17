"""PostgreSQL stopped at once (immediate shutdown: no checkpoint, crash recovery at the start)
while fifty clients write, then started again: nothing acknowledged is lost or doubled.

A private cluster (as tests/test_database_faults.py, which stops it the fast way and bounds the
errors' timing), never the shared server. Immediate shutdown is SIGQUIT to the postmaster, which
is what ``pg_ctl stop -m immediate`` sends. The clients' redemptions, events and fulfillments are
checked against the ledger by ``tests/crash_writes.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import asyncpg
import httpx

from gateway import migrations
from gateway.cli.demo import load_demo
from gateway.cli.embedded import EmbeddedPostgres
from tests import crash_writes
from tests.conftest import outside_pytest_tmp
from tests.serving import running_gateway

OUTAGE_S = 1.5
BUDGET_S = 40


def stop_immediately(data_dir: Path) -> None:
    """``pg_ctl stop -m immediate``: SIGQUIT to the postmaster; wait (bounded) until it is gone."""
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while (data_dir / "postmaster.pid").exists():
        assert time.monotonic() < deadline, "the postmaster did not stop"
        time.sleep(0.05)


async def _prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        await load_demo(conn)
    finally:
        await conn.close()
    await crash_writes.prepare(dsn)


async def test_postgresql_stopped_at_once_loses_and_doubles_no_acknowledged_write() -> None:
    with outside_pytest_tmp() as scratch:
        server = EmbeddedPostgres(scratch / "pgdata")
        dsn = server.start()
        try:
            await _prepare(dsn)
            writes = await _write_through_an_outage(server, dsn)
            await crash_writes.check_ledger(dsn, writes)
        finally:
            server.stop()
    assert writes.retries > 0, "writes during the outage were refused, then sent again"


async def _write_through_an_outage(server: EmbeddedPostgres, dsn: str) -> crash_writes.Writes:
    env = {
        "DATABASE_URL": dsn,
        "GATEWAY_ENV": "production",
        "GATEWAY_REQUIRE_API_KEYS": "false",
        "GATEWAY_SIGNING_KEY": crash_writes.SIGNING_KEY,
        "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "1",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    writes = crash_writes.Writes()
    with running_gateway(env) as (base, process):
        limits = httpx.Limits(max_connections=crash_writes.CLIENTS)
        async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as http:
            clients = crash_writes.start_clients(http, writes, BUDGET_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(writes.flowing.wait(), 10)
            await asyncio.to_thread(stop_immediately, server.data_dir)
            down_at = time.monotonic()
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(server.start)
            await asyncio.gather(*clients)
        assert process.poll() is None, "the gateway survives the outage"
    assert any(t < down_at for t in writes.acknowledged_at), "writes flowed before the stop"
    assert any(t > down_at + OUTAGE_S for t in writes.acknowledged_at), "and after the start"
    return writes
