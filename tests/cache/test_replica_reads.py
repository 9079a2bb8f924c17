"""Replica reads on a real streaming replica that applies WAL 2 s late.

PostgreSQL's own ``initdb`` / ``pg_basebackup -R -X stream`` build a primary and a replica with
``recovery_min_apply_delay = '2s'`` (``tests.streaming_replica``). The app runs in
production mode with the response cache, ``DATABASE_READ_URL`` on the replica. The tests show:
a client never reads an answer older than a write it saw acknowledged (through the API, or by
SQL once its notification arrived); no answer, cached or not, stays stale once the replica has
caught up; with no write concerning them, the replica answers at least 90 % of cold reads.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client import REGISTRY

from gateway import migrations
from gateway.app import create_app
from gateway.cache.tags import CacheTags
from gateway.cli.demo import load_demo
from gateway.context import build_context
from gateway.db import RequestDb, create_pool
from gateway.db.freshness import ReplicaFreshness
from gateway.db.replica_reads import PRIMARY_SNAPSHOT, answer_stands
from gateway.db.snapshot import Snapshot
from gateway.operation.assembly import build_schema
from gateway.settings import Settings, load_settings
from tests.dsn import dsn_with_database
from tests.provision import require_postgresql_server
from tests.streaming_replica import ReplicatedPair, streaming_replica

APPLY_DELAY_S = 2.0
CATCH_UP_S = 10.0
NEXT_XID = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text"

CART = """
query Cart($id: ID!) {
  %s: cartPromotions(customerId: $id) {
    promotionId promotionName
    restrictions { customer { remainingRedemption } }
  }
}
"""
OFFERS = """
query Offers($id: ID!) {
  %s: personalizedOffers(input: {customerId: $id}) { offers { offerId } brand { id } }
}
"""
REDEEM = """
mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename }
}
"""

_aliases = itertools.count()


def cold(query: str) -> str:
    """``query`` under an alias never used before: a body the response cache has not seen."""
    return query % f"a{next(_aliases)}"


def replica_reads(outcome: str) -> float:
    return REGISTRY.get_sample_value("gateway_replica_reads_total", {"outcome": outcome}) or 0.0


class Outcomes:
    """Replica-read outcomes counted since it was made."""

    def __init__(self) -> None:
        self.start = {o: replica_reads(o) for o in ("replica", "redone", "primary")}

    def __getitem__(self, outcome: str) -> float:
        return replica_reads(outcome) - self.start[outcome]


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    """A primary with the schema and demo data, and its streaming replica (2 s behind)."""
    require_postgresql_server()
    with streaming_replica(f"{APPLY_DELAY_S:g}s") as servers:

        async def prepare() -> None:
            conn = await asyncpg.connect(servers.primary_dsn)
            try:
                await conn.execute("CREATE DATABASE gateway")
            finally:
                await conn.close()
            conn = await asyncpg.connect(dsn_with_database(servers.primary_dsn, "gateway"))
            try:
                await migrations.migrate(conn)
                await load_demo(conn)
            finally:
                await conn.close()

        async def replicated() -> None:
            """Wait (bounded) for the replica to replay the database and its demo data."""
            deadline = asyncio.get_running_loop().time() + CATCH_UP_S
            while True:
                try:
                    conn = await asyncpg.connect(replica)
                    try:
                        if await conn.fetchval("SELECT count(*) FROM customers"):
                            return
                    finally:
                        await conn.close()
                except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
                    pass
                assert asyncio.get_running_loop().time() < deadline, "the replica lags too far"
                await asyncio.sleep(0.2)

        replica = dsn_with_database(servers.replica_dsn, "gateway")
        asyncio.run(prepare())
        asyncio.run(replicated())
        yield ReplicatedPair(
            primary_dsn=dsn_with_database(servers.primary_dsn, "gateway"),
            replica_dsn=replica,
            folder=servers.folder,
        )


@dataclass
class Routed:
    """The app on primary + replica, and the primary for uncached answers and outside writes."""

    http: httpx.AsyncClient
    freshness: ReplicaFreshness
    primary: asyncpg.Pool
    settings: Settings

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        [answer] = body["data"].values()
        return {"answer": answer}

    async def on_primary(self, query: str, **variables: Any) -> dict[str, Any]:
        """The same operation executed on the primary, without any cache."""
        ctx = build_context(self.primary, self.settings)
        result = await build_schema(self.settings).execute(
            query, variable_values=variables, context_value=ctx
        )
        assert result.errors is None and result.data is not None, result.errors
        [answer] = result.data.values()
        return {"answer": answer}

    async def caught_up(self) -> None:
        """Wait (bounded) until a cold read is answered by the replica."""
        deadline = asyncio.get_running_loop().time() + CATCH_UP_S
        while True:
            outcomes = Outcomes()
            await self.ask(cold(CART), id="demo-b2c")
            if outcomes["replica"] == 1:
                return
            assert asyncio.get_running_loop().time() < deadline, "replica never caught up"
            await asyncio.sleep(0.2)


@pytest.fixture
async def routed(pair: ReplicatedPair, tmp_path: Path) -> AsyncIterator[Routed]:
    settings = load_settings(
        database_url=pair.primary_dsn,
        database_read_url=pair.replica_dsn,
        data_dir=tmp_path,
        env="production",
        require_api_keys=False,
        signing_key="replica-test-key",
        response_cache=1000,
    )
    app = create_app(settings)
    primary = await create_pool(pair.primary_dsn, settings)
    try:
        async with LifespanManager(app) as manager:
            freshness: ReplicaFreshness = app.state.freshness
            assert freshness.ready, "the change listener is up once the app starts"
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                app_under_test = Routed(http, freshness, primary, settings)
                await app_under_test.caught_up()
                yield app_under_test
    finally:
        await primary.close()


def redemption(key: str) -> dict[str, Any]:
    return {
        "customerId": "demo-loyal",
        "promotionId": "acme-welcome10",
        "transactionId": f"txn-{key}",
        "amount": "5.00",
        "idempotencyKey": key,
    }


async def test_a_client_reads_its_own_write_at_once_then_from_the_replica(routed: Routed) -> None:
    cart = cold(CART)
    before = await routed.ask(cart, id="demo-loyal")

    outcome = await routed.ask(REDEEM, input=redemption("ryw-1"))
    assert outcome["answer"]["__typename"] == "Redemption"
    after = await routed.on_primary(cart, id="demo-loyal")
    assert after != before, "the redemption changed what the cart shows"

    # The replica shows the write only ~2 s later: every read until then, cached or cold, is
    # the acknowledged state (the replica's answers are refused and redone on the primary).
    outcomes = Outcomes()
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < APPLY_DELAY_S + 1.5:
        assert await routed.ask(cart, id="demo-loyal") == after
        assert await routed.ask(cold(CART), id="demo-loyal") == after
        await asyncio.sleep(0.1)
    assert outcomes["redone"] >= 1, "the replica was behind the write at first"
    assert outcomes["replica"] >= 1, "and answered once it had replayed it"

    # Caught up: cold reads of this customer come from the replica, with the new state.
    outcomes = Outcomes()
    for _ in range(5):
        assert await routed.ask(cold(CART), id="demo-loyal") == after
    assert outcomes["replica"] == 5


async def test_an_outside_write_is_never_served_stale_once_notified(routed: Routed) -> None:
    cart = cold(CART)
    await routed.ask(cart, id="demo-loyal")  # cached now
    async with routed.primary.acquire() as conn:
        xid = await conn.fetchval(
            "UPDATE promotions SET name = 'Welcome, renamed' WHERE promotion_id = 'acme-welcome10'"
            " RETURNING pg_current_xact_id()"
        )
    deadline = asyncio.get_running_loop().time() + 2
    while routed.freshness.global_xid < xid:  # the notification (milliseconds)
        assert asyncio.get_running_loop().time() < deadline, "no notification"
        await asyncio.sleep(0.01)

    fresh = await routed.on_primary(cart, id="demo-loyal")
    names = {p["promotionName"] for p in fresh["answer"]}
    assert "Welcome, renamed" in names
    # Before and after the replica replays the rename: the cached answer, and cold ones.
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < APPLY_DELAY_S + 1.5:
        assert await routed.ask(cart, id="demo-loyal") == fresh
        assert await routed.ask(cold(CART), id="demo-loyal") == fresh
        await asyncio.sleep(0.1)


FULFILL = """mutation Fulfill($id: ID!) {
  createOfferFulfillment(personalizedOfferId: $id, optionId: "learn-more") { id status } }"""
FULFILLMENT = "query Fulfillment($id: ID!) { offerFulfillment(id: $id) { id status } }"


async def test_a_field_that_does_not_tag_its_reads_still_reads_its_own_write(
    routed: Routed,
) -> None:
    decision = await routed.ask(
        "query($i: ID!) { personalizedOffers(input: {customerId: $i}) { offers { id } } }",
        i="demo-b2c",
    )
    [token] = decision["answer"]["offers"]

    created = (await routed.ask(FULFILL, id=token["id"]))["answer"]
    outcomes = Outcomes()
    # The replica has not replayed the fulfillment yet: its answer (null) must not be used.
    assert (await routed.ask(FULFILLMENT, id=created["id"]))["answer"] == created
    assert outcomes["redone"] == 1


async def test_the_replica_serves_most_cold_reads_while_others_write(routed: Routed) -> None:
    outcomes = Outcomes()
    for number in range(60):
        if number % 10 == 0:  # writes to one customer do not hold back the others' reads
            outcome = await routed.ask(REDEEM, input=redemption(f"steady-{number}"))
            assert outcome["answer"]["__typename"] in {"Redemption", "RedemptionRejected"}
        customer = ("demo-b2c", "demo-none", "demo-b2b")[number % 3]
        query = cold(CART if number % 2 else OFFERS)
        assert await routed.ask(query, id=customer) == await routed.on_primary(query, id=customer)
    cold_reads = outcomes["replica"] + outcomes["redone"] + outcomes["primary"]
    assert cold_reads == 60
    assert outcomes["replica"] / cold_reads >= 0.9


async def test_a_standby_snapshot_vouches_only_for_what_is_below_its_xmin(
    pair: ReplicatedPair,
) -> None:
    """A hot standby's ``pg_current_snapshot()`` lists no running transaction: not trusted."""
    primary = await asyncpg.create_pool(pair.primary_dsn, min_size=2, max_size=3)
    replica = await asyncpg.create_pool(pair.replica_dsn, min_size=1, max_size=2)
    try:
        fresh = ReplicaFreshness()
        fresh.listening()
        fresh.connected(baseline=Snapshot.parse(await primary.fetchval(PRIMARY_SNAPSHOT)))
        async with primary.acquire() as slow, primary.acquire() as quick:
            old = await quick.fetchval("SELECT email FROM customers WHERE customer_id = 'demo-b2c'")
            writing = slow.transaction()
            await writing.start()
            slow_xid = int(
                await slow.fetchval(
                    "UPDATE customers SET email = 'probe@example.com'"
                    " WHERE customer_id = 'demo-b2c' RETURNING pg_current_xact_id()::text"
                )
            )
            quick_xid = int(
                await quick.fetchval(
                    "UPDATE customers SET email = email WHERE customer_id = 'demo-none'"
                    " RETURNING pg_current_xact_id()::text"
                )
            )
            deadline = asyncio.get_running_loop().time() + CATCH_UP_S
            while int(await replica.fetchval(NEXT_XID)) <= quick_xid:  # the later one replayed
                assert asyncio.get_running_loop().time() < deadline, "the replica lags too far"
                await asyncio.sleep(0.1)
            await writing.commit()  # notified now; the replica replays it 2 s later
            fresh.apply("c:demo-b2c", slow_xid)

            row = await replica.fetchrow(
                "SELECT pg_current_snapshot()::text AS snapshot, email FROM customers"
                " WHERE customer_id = 'demo-b2c'"
            )
            assert row is not None
            xmin, xmax, xip = row["snapshot"].split(":")
            assert row["email"] == old, "the write is not replayed yet"
            assert int(xmin) <= slow_xid < int(xmax) and xip == "", "yet it is not listed"

            db = RequestDb(primary, 5.0, read_pool=replica, check_replica=True)
            stale = await db.fetchval(
                "SELECT email FROM customers WHERE customer_id = $1", "demo-b2c"
            )
            assert stale == old
            tags = CacheTags(cacheable=True)
            tags.read_customer("demo-b2c")
            assert not answer_stands(fresh, db, tags), "the stale answer is refused"
            await quick.execute(
                "UPDATE customers SET email = $1 WHERE customer_id = 'demo-b2c'", old
            )
    finally:
        await replica.close()
        await primary.close()
