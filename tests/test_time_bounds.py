"""Every wait has a bound (README "Limits"): never a hang, even when the database is slow.

The slow database is real: another connection holds an ACCESS EXCLUSIVE lock on the table a
cart listing reads, so the gateway's query waits in PostgreSQL until the lock goes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx

from gateway.settings import Settings
from tests.conftest import http_client

CART = {"query": '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'}


@asynccontextmanager
async def table_locked(dsn: str, table: str = "customer_promotions") -> AsyncIterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on ``table`` (even plain reads of it wait) until exit."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


async def _lock_waiters(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    finally:
        await conn.close()


async def wait_for_lock_waiters(dsn: str, count: int, *, within_s: float = 10) -> None:
    """Return once exactly ``count`` statements wait for a lock in this database (polls)."""
    for _ in range(int(within_s / 0.05)):
        if await _lock_waiters(dsn) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} statements should wait for the lock")


async def _timed_post(
    http: httpx.AsyncClient, body: dict[str, str]
) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = await http.post("/graphql", json=body)
    return time.monotonic() - started, response


async def test_the_request_deadline_answers_504_timeout_and_ends_its_statements(
    settings: Settings, database_dsn: str
) -> None:
    bounded = settings.model_copy(update={"request_timeout_s": 0.5, "statement_timeout_ms": 60_000})

    async with http_client(bounded) as http, table_locked(database_dsn):
        started = time.monotonic()
        took, response = await _timed_post(http, CART)
        await wait_for_lock_waiters(database_dsn, 0)
        ended_after = time.monotonic() - started
        after = await _timed_post(http, {"query": "{ __typename }"})

    assert response.status_code == 504
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["message"] == "request: not done within 0.5 s"
    assert 0.5 <= took < 1.0
    # The statement (run by a loader batch, in a task of its own) is cancelled in PostgreSQL
    # too, not left waiting until its statement_timeout (a minute here).
    assert ended_after < 1.5
    assert after[1].status_code == 200


async def test_the_statement_timeout_answers_timeout(settings: Settings, database_dsn: str) -> None:
    bounded = settings.model_copy(update={"statement_timeout_ms": 300, "request_timeout_s": 30})

    async with http_client(bounded) as http, table_locked(database_dsn):
        took, response = await _timed_post(http, CART)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["path"] == ["cartPromotions"]
    assert 0.3 <= took < 0.8


async def test_waiting_for_a_connection_answers_database_unavailable(
    settings: Settings, database_dsn: str
) -> None:
    bounded = settings.model_copy(
        update={
            "pool_min_size": 1,
            "pool_max_size": 1,
            "pool_acquire_timeout_s": 0.3,
            "statement_timeout_ms": 60_000,
            "request_timeout_s": 30,
        }
    )

    async with http_client(bounded) as http:
        async with table_locked(database_dsn):
            holder = asyncio.create_task(_timed_post(http, CART))  # takes the only connection
            await wait_for_lock_waiters(database_dsn, 1)
            took, response = await _timed_post(http, CART)
        _, held = await holder
        after = await http.post("/graphql", json=CART)

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["message"] == "database: no connection free in time, retry"
    assert 0.3 <= took < 0.8
    assert held.json()["data"]["cartPromotions"], "the request holding the connection completes"
    assert after.json()["data"]["cartPromotions"], "the pool serves again once the lock goes"
