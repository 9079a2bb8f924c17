"""The connection pool: a released connection costs no round trip, and keeps working."""

from __future__ import annotations

import asyncpg

from gateway.db import RequestDb


async def test_releasing_a_connection_sends_no_reset(pool: asyncpg.Pool, database_dsn: str) -> None:
    db = RequestDb(pool, acquire_timeout_s=5)
    pid = await db.fetchval("SELECT pg_backend_pid()")

    observer = await asyncpg.connect(database_dsn)
    try:
        last = await observer.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await observer.close()

    # asyncpg's default reset would show here as the backend's last statement.
    assert last == "SELECT pg_backend_pid()"


async def test_a_connection_released_inside_a_transaction_is_rolled_back(
    pool: asyncpg.Pool, database_dsn: str
) -> None:
    conn = await pool.acquire()
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("CREATE TEMP TABLE left_open (x int)")
    await pool.release(conn)  # as a request cancelled mid-transaction leaves it

    observer = await asyncpg.connect(database_dsn)
    try:
        state = await observer.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
        tables = await observer.fetchval(
            "SELECT count(*) FROM pg_class WHERE relname = $1", "left_open"
        )
    finally:
        await observer.close()

    assert state == "idle"  # not "idle in transaction"
    assert tables == 0
