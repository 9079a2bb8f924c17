"""The replica-freshness bookkeeping (pure) and the snapshot wrapping of replica reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.cache.listener import parse_payload
from gateway.cache.tags import CacheTags
from gateway.db import RequestDb, create_pool
from gateway.db.freshness import ReplicaFreshness
from gateway.db.replica_reads import PRIMARY_SNAPSHOT, answer_stands
from gateway.db.snapshot import NEVER, Snapshot
from gateway.settings import Settings


def test_payloads_carry_the_writer_and_old_ones_do_not() -> None:
    assert parse_payload("725/c:demo-b2c") == ("c:demo-b2c", 725)
    assert parse_payload("725/c:a/b@c") == ("c:a/b@c", 725)
    assert parse_payload("726/all") == ("all", 726)
    assert parse_payload("c:demo-b2c") == ("c:demo-b2c", None)


def snap(text: str) -> Snapshot:
    return Snapshot.parse(text)


def test_a_committed_transaction_is_visible_as_postgresql_decides() -> None:
    snapshot = snap("100:110:100,104")
    visible = [98, 99, 101, 102, 103, 105, 106, 107, 108, 109]
    assert [x for x in range(98, 112) if snapshot.shows(x)] == visible
    # A standby lists no running transactions: only what is below its xmin is provable.
    standby = Snapshot.parse("100:110:", standby=True)
    assert standby.shows(99) and not standby.shows(101)


def test_several_statements_show_only_what_each_of_them_shows() -> None:
    both = snap("100:110:100,104").meet(snap("102:108:102,103"))
    assert [x for x in range(98, 112) if both.shows(x)] == [98, 99, 101, 105, 106, 107]
    assert snap("100:110:").meet(snap("120:125:")) == snap("100:110:")


def test_a_snapshot_shows_everything_an_earlier_one_shows_unless_it_lags() -> None:
    earlier = snap("100:110:100,104")
    assert snap("110:111:").shows_all_of(earlier)
    assert snap("100:115:100,104,112").shows_all_of(earlier), "still running there too"
    assert not snap("100:115:100,103").shows_all_of(earlier), "103 had committed there"
    assert not snap("100:109:100,104").shows_all_of(earlier), "109 is not visible yet"


def test_a_snapshot_shows_a_write_once_it_shows_the_writer() -> None:
    fresh = ReplicaFreshness()
    assert not fresh.shows({"x"}, set(), snap("900:900:")), "not before the listener is up"
    fresh.listening()
    fresh.connected(baseline=snap("95:101:95"))
    fresh.apply("c:demo-b2c", 120)
    fresh.apply("p:promo", 130)

    # 95 (running at connect, still running) holds xmin back: it does not matter.
    assert fresh.shows({"demo-none"}, set(), snap("95:101:95"))
    assert not fresh.shows({"demo-none"}, set(), snap("95:101:95,99")), "99 had committed"
    assert not fresh.shows({"demo-b2c"}, set(), snap("95:125:95,120"))
    assert fresh.shows({"demo-b2c"}, set(), snap("95:125:95"))
    assert not fresh.shows({"demo-b2c"}, {"promo"}, snap("95:125:95"))
    assert not fresh.shows_everything(snap("95:131:95,130"))
    assert fresh.shows_everything(snap("95:131:95"))

    fresh.apply("all", 140)
    assert not fresh.shows({"demo-none"}, set(), snap("95:140:95"))
    assert fresh.shows({"demo-none"}, set(), snap("95:141:95"))
    fresh.apply("c:demo-none", None)  # a database without the migration: nothing is provable
    assert not fresh.shows({"demo-none"}, set(), snap("900:900:"))


def test_the_last_notified_write_of_a_key_is_the_one_to_see() -> None:
    fresh = ReplicaFreshness()
    fresh.listening()
    fresh.connected(baseline=snap("100:101:"))
    fresh.apply("c:demo-b2c", 130)
    fresh.apply("c:demo-b2c", 120)  # a lower id that committed later: the snapshot must show it
    assert not fresh.shows({"demo-b2c"}, set(), snap("101:131:120"))
    assert fresh.shows({"demo-b2c"}, set(), snap("101:131:"))


def test_notifications_before_the_baseline_are_kept() -> None:
    fresh = ReplicaFreshness()
    fresh.listening()
    fresh.apply("c:demo-b2c", 150)  # arrived between LISTEN and the baseline's answer
    fresh.connected(baseline=snap("140:145:"))
    assert not fresh.shows({"demo-b2c"}, set(), snap("145:151:150"))
    assert fresh.shows({"demo-b2c"}, set(), snap("145:151:"))


def test_own_writes_need_everything_the_primary_showed_after_them() -> None:
    fresh = ReplicaFreshness()
    fresh.listening()
    fresh.connected(baseline=snap("100:101:"))
    fresh.wrote({"demo-loyal"}, set(), snap("150:160:150"))
    assert fresh.shows({"demo-b2c"}, set(), snap("101:102:"))
    assert not fresh.shows({"demo-loyal"}, set(), snap("150:159:150"))
    assert not fresh.shows({"demo-loyal"}, set(), snap("150:160:150,155"))
    assert fresh.shows({"demo-loyal"}, set(), snap("150:160:150"))
    assert not fresh.shows_everything(snap("101:102:"))
    fresh.wrote(set(), set(), snap("160:161:"))
    assert not fresh.shows({"demo-b2c"}, set(), snap("150:160:150"))
    fresh.wrote({"demo-b2c"}, set(), NEVER)  # the primary could not be asked
    assert not fresh.shows({"demo-b2c"}, set(), snap("900:900:"))


def test_tracked_ids_stay_bounded() -> None:
    fresh = ReplicaFreshness(max_tracked=3)
    fresh.listening()
    fresh.connected(baseline=snap("1:2:"))
    for number in range(5):
        fresh.apply(f"c:customer-{number}", 10 + number)
    # The fourth key folded the first four into the global requirement (13); the fifth is kept.
    assert not fresh.shows({"someone-else"}, set(), snap("2:14:13"))
    assert fresh.shows({"someone-else"}, set(), snap("2:14:"))
    assert not fresh.shows({"customer-4"}, set(), snap("2:14:"))


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
    assert db.replica_snapshot is not None and db.replica_snapshot.xmax <= next_xid
    assert db.round_trips.count == 4


def customer_read(customer_id: str) -> CacheTags:
    tags = CacheTags(cacheable=True)
    tags.read_customer(customer_id)
    return tags


async def replica_read(pool: asyncpg.Pool, second_pool: asyncpg.Pool) -> RequestDb:
    db = RequestDb(pool, 5.0, read_pool=second_pool, check_replica=True)
    await db.fetch("SELECT email FROM customers WHERE customer_id = $1", "demo-b2c")
    return db


async def test_a_transaction_left_open_on_the_primary_does_not_refuse_replica_answers(
    pool: asyncpg.Pool, second_pool: asyncpg.Pool
) -> None:
    """Another session's open transaction holds the xmin back; the writes read are visible."""
    fresh = ReplicaFreshness()
    fresh.listening()
    fresh.connected(baseline=Snapshot.parse(await pool.fetchval(PRIMARY_SNAPSHOT)))
    async with pool.acquire() as long_running, pool.acquire() as writer:
        report = long_running.transaction()
        await report.start()
        try:
            open_xid = int(await long_running.fetchval("SELECT pg_current_xact_id()::text"))
            written = await writer.fetchval(
                "UPDATE customers SET email = email WHERE customer_id = 'demo-b2c'"
                " RETURNING pg_current_xact_id()::text"
            )
            fresh.apply("c:demo-b2c", int(written))

            db = await replica_read(pool, second_pool)
            assert db.replica_snapshot is not None
            assert db.replica_snapshot.xmin <= open_xid < int(written), "xmin is held back"
            assert answer_stands(fresh, db, customer_read("demo-b2c"))

            # The write concerning the read is not visible yet (still committing, as a write
            # notified by the primary but not yet replayed looks): the answer is refused.
            pending = writer.transaction()
            await pending.start()
            try:
                pending_xid = await writer.fetchval(
                    "UPDATE customers SET email = email WHERE customer_id = 'demo-b2c'"
                    " RETURNING pg_current_xact_id()::text"
                )
                fresh.apply("c:demo-b2c", int(pending_xid))
                db = await replica_read(pool, second_pool)
                assert not answer_stands(fresh, db, customer_read("demo-b2c"))
                assert answer_stands(fresh, db, customer_read("demo-none")), "others unaffected"
            finally:
                await pending.rollback()
        finally:
            await report.rollback()
