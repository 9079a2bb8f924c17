"""SIGTERM while requests are in flight (README "Two commands"): they complete, new ones are
refused, and the process exits within its grace time (``timeout_graceful_shutdown``, 10 s).

The requests are held in flight by a real slow database: another connection locks the table
they read until the test lets go.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.serving import running_gateway
from tests.test_time_bounds import CART, wait_for_lock_waiters

IN_FLIGHT = 4
GRACE_S = 10.0
HELD_AFTER_SIGTERM_S = 1.0


async def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    with running_gateway(env, log=tmp_path / "serve.log") as (base, process):
        locker = await asyncpg.connect(database_dsn)
        try:
            transaction = locker.transaction()
            await transaction.start()
            await locker.execute("LOCK TABLE customer_promotions IN ACCESS EXCLUSIVE MODE")
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                in_flight = [
                    asyncio.create_task(http.post("/graphql", json=CART)) for _ in range(IN_FLIGHT)
                ]
                await wait_for_lock_waiters(database_dsn, IN_FLIGHT)

                process.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
                await asyncio.sleep(0.5)  # the server stops listening
                with pytest.raises(httpx.ConnectError):
                    async with httpx.AsyncClient(base_url=base, timeout=5) as late:
                        await late.post("/graphql", json=CART)
                still_running = process.poll() is None
                await asyncio.sleep(HELD_AFTER_SIGTERM_S - (time.monotonic() - signalled))
                await transaction.rollback()  # the database answers again
                answers = await asyncio.gather(*in_flight)
            exit_code = await asyncio.to_thread(process.wait, GRACE_S + 5)
            exited_after = time.monotonic() - signalled
        finally:
            await locker.close()

    assert still_running, "the process waits for its requests"
    assert [a.status_code for a in answers] == [200] * IN_FLIGHT
    assert all(a.json()["data"]["cartPromotions"] for a in answers)
    assert exit_code == 0
    assert HELD_AFTER_SIGTERM_S <= exited_after < GRACE_S
