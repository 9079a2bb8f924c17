"""The replica-freshness bookkeeping (pure) and the snapshot-xmin wrapping of replica reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.cache.listener import parse_payload
from gateway.cache.replica_freshness import ReplicaFreshness
from gateway.db import RequestDb, create_pool
from gateway.settings import Settings


def test_payloads_carry_the_writer_and_old_ones_do_not() -> None:
    assert parse_payload("725/c:demo-b2c") == ("c:demo-b2c", 725)
    assert parse_payload("725/c:a/b@c") == ("c:a/b@c", 725)
    assert parse_payload("726/all") == ("all", 726)
    assert parse_payload("c:demo-b2c") == ("c:demo-b2c", None)


def test_a_snapshot_shows_a_write_once_its_xmin_is_past_the_writer() -> None:
    fresh = ReplicaFreshness()
    assert not fresh.shows({"x"}, set(), snapshot_xmin=10**9), "not before the listener is up"
    fresh.connected(baseline_xid=100)
    fresh.apply("c:demo-b2c", 120)
    fresh.apply("p:promo", 130)

    assert fresh.shows({"demo-none"}, set(), snapshot_xmin=101)
    assert not fresh.shows({"demo-b2c"}, set(), snapshot_xmin=120)
    assert fresh.shows({"demo-b2c"}, set(), snapshot_xmin=121)
    assert not fresh.shows({"demo-b2c"}, {"promo"}, snapshot_xmin=121)
    assert not fresh.shows_everything(snapshot_xmin=130)
    assert fresh.shows_everything(snapshot_xmin=131)

    fresh.apply("all", 140)
    assert not fresh.shows({"demo-none"}, set(), snapshot_xmin=140)
    fresh.apply("c:demo-none", None)  # a database without the migration: nothing is provable
    assert not fresh.shows({"demo-none"}, set(), snapshot_xmin=10**9)


def test_own_writes_naming_nothing_count_for_everything() -> None:
    fresh = ReplicaFreshness()
    fresh.connected(baseline_xid=100)
    fresh.wrote({"demo-loyal"}, set(), 150)
    assert fresh.shows({"demo-b2c"}, set(), snapshot_xmin=101)
    fresh.wrote(set(), set(), 160)
    assert not fresh.shows({"demo-b2c"}, set(), snapshot_xmin=160)


def test_tracked_ids_stay_bounded() -> None:
    fresh = ReplicaFreshness(max_tracked=3)
    fresh.connected(baseline_xid=1)
    for number in range(5):
        fresh.apply(f"c:customer-{number}", 10 + number)
    # The fourth id folded the first four into the global requirement (13); the fifth is kept.
    assert not fresh.shows({"someone-else"}, set(), snapshot_xmin=13)
    assert fresh.shows({"someone-else"}, set(), snapshot_xmin=14)
    assert not fresh.shows({"customer-4"}, set(), snapshot_xmin=14)


@pytest.fixture
async def second_pool(database_dsn: str, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """Another pool on the same database, standing in for a replica's."""
    pool = await create_pool(database_dsn, settings)
    try:
        yield pool
    finally:
        await pool.close()


async def test_replica_reads_return_their_rows_and_snapshot_xmin(
    pool: asyncpg.Pool, second_pool: asyncpg.Pool
) -> None:
    db = RequestDb(pool, 5.0, read_pool=second_pool, check_replica=True)
    rows = await db.fetch(
        "SELECT customer_id, 1 AS one FROM customers WHERE customer_id = ANY($1) -- a comment\n"
        "ORDER BY customer_id",
        ["demo-b2c", "demo-loyal"],
    )
    assert [(r["customer_id"], r[0], r["one"]) for r in rows] == [
        ("demo-b2c", "demo-b2c", 1),
        ("demo-loyal", "demo-loyal", 1),
    ]
    assert await db.fetch("SELECT 1 FROM customers WHERE false") == []
    assert await db.fetchrow("SELECT 1 FROM customers WHERE false") is None
    assert await db.fetchval("SELECT count(*) FROM customers") == 5
    next_xid = await pool.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())")
    assert db.replica_reads == 4
    assert db.replica_xmin is not None and db.replica_xmin <= next_xid
    assert db.round_trips.count == 4
