"""``serve``'s embedded PostgreSQL SIGKILLed while fifty clients write: the watchdog starts it
again (crash recovery), clients re-send what stayed unacknowledged, nothing is lost or doubled.

``tests/crash_writes.py`` writes and checks the ledger; tests/test_embedded_lifecycle.py checks
the watchdog's restart itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import httpx

from gateway.cli.embedded import EmbeddedPostgres
from tests import crash_writes
from tests.conftest import outside_pytest_tmp
from tests.serving import running_gateway

BUDGET_S = 40


def postmaster_pid(data_dir: Path) -> int | None:
    """The running postmaster's pid (from postmaster.pid), or None."""
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    return None


async def test_the_embedded_server_killed_under_serve_loses_and_doubles_nothing() -> None:
    with outside_pytest_tmp() as scratch:
        state = scratch / "state"
        env = {
            "DATABASE_URL": "",
            "GATEWAY_DATA_DIR": str(state),
            "GATEWAY_SIGNING_KEY": crash_writes.SIGNING_KEY,
            "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "1",
        }
        writes = crash_writes.Writes()
        with running_gateway(env, log=scratch / "serve.log") as (base, process):
            # Attached, not owned: this process leaves the server to serve.
            dsn = EmbeddedPostgres(state / "postgres").start()
            await crash_writes.prepare(dsn)
            killed = postmaster_pid(state / "postgres")
            assert killed is not None
            limits = httpx.Limits(max_connections=crash_writes.CLIENTS)
            async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as http:
                clients = crash_writes.start_clients(http, writes, BUDGET_S)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(writes.flowing.wait(), 10)
                os.kill(killed, signal.SIGKILL)
                killed_at = time.monotonic()
                await asyncio.gather(*clients)
            restarted = postmaster_pid(state / "postgres")
            await crash_writes.check_ledger(dsn, writes)
            assert process.poll() is None, "serve kept serving"
        output = (scratch / "serve.log").read_text()

    assert restarted not in (None, killed), "the watchdog started a new postmaster"
    assert "stopped while serving" in output
    assert writes.retries > 0, "writes while the server was down were refused, then sent again"
    assert any(t > killed_at for t in writes.acknowledged_at)
