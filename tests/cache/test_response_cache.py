"""The response cache: repeated reads skip execution; no change is ever served stale.

Production-mode app, real PostgreSQL, the change listener running. Writes made through the API
move this worker's generations before the response (no staleness at all); writes by another
process (SQL here) reach the cache by NOTIFY, so the tests wait for the notification (bounded,
2 s) before asking again. Every answer after a change is compared with an uncached execution.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client import REGISTRY

from gateway.app import create_app
from gateway.cache.response_cache import ResponseCache
from gateway.context import build_context
from gateway.operation.assembly import build_schema
from gateway.settings import Settings, load_settings
from tests.http.multipart import merge_parts, parts

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

OFFERS = """
query Offers($id: ID!) {
  personalizedOffers(input: {customerId: $id}) {
    offers { id offerId content { title } play { id } }
    expiresAt
  }
}
"""

CART = """
query Cart($id: ID!) {
  cartPromotions(customerId: $id) {
    promotionId promotionStatus earnedStatus validTill
    restrictions { customer { remainingRedemption } promotion { remainingRedemption } }
  }
}
"""

ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Customer {
      id
      cartPromotions { promotionId restrictions { promotion { remainingRedemption } } }
    }
  }
}
"""

BAD_INPUT = '{ cartPromotions(customerId: "") { promotionId } }'
FULFILLMENT = '{ offerFulfillment(id: "x") { id } }'

REDEEM = """
mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename }
}
"""

RECORD_EVENT = """
mutation Event($id: ID!, $type: OfferEventType!) {
  recordOfferEvent(personalizedOfferId: $id, type: $type) { id }
}
"""


@dataclass
class Clock:
    """The app's clock, moved by the test."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Cached:
    """The app under test and what to inspect it with."""

    http: httpx.AsyncClient
    cache: ResponseCache
    clock: Clock
    pool: asyncpg.Pool
    settings: Settings

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def uncached(self, query: str, **variables: Any) -> dict[str, Any]:
        """The same operation executed without the cache, at the app's clock."""
        moment = self.clock.now
        ctx = build_context(self.pool, self.settings, clock=lambda: moment)
        result = await build_schema(self.settings).execute(
            query, variable_values=variables, context_value=ctx
        )
        assert result.errors is None and result.data is not None, result.errors
        return result.data


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


class Counts:
    """Hits and stores since it was made."""

    def __init__(self) -> None:
        self.hits0 = counter("gateway_response_cache_hits_total")
        self.stores0 = counter("gateway_response_cache_stores_total")

    @property
    def hits(self) -> float:
        return counter("gateway_response_cache_hits_total") - self.hits0

    @property
    def stores(self) -> float:
        return counter("gateway_response_cache_stores_total") - self.stores0


async def until(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    """Wait (bounded) for ``condition``: a notification being processed."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time bound"
        await asyncio.sleep(0.01)


@pytest.fixture
async def cached(database_dsn: str, tmp_path: Path, pool: asyncpg.Pool) -> AsyncIterator[Cached]:
    settings = load_settings(
        database_url=database_dsn,
        data_dir=tmp_path,
        env="production",
        require_api_keys=False,
        signing_key="cache-test-key",
        response_cache=1000,
    )
    clock = Clock()
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        cache: ResponseCache = app.state.response_cache
        await until(lambda: cache.enabled, timeout_s=5)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Cached(http, cache, clock, pool, settings)


async def served_twice(app: Cached, query: str, **variables: Any) -> dict[str, Any]:
    """Ask twice: the second answer comes from the cache and equals the first."""
    counts = Counts()
    first = await app.ask(query, **variables)
    second = await app.ask(query, **variables)
    assert (counts.stores, counts.hits) == (1, 1)
    assert second == first
    return first


async def assert_fresh(app: Cached, query: str, **variables: Any) -> dict[str, Any]:
    """The next answer is recomputed and equals an uncached execution."""
    counts = Counts()
    answer = await app.ask(query, **variables)
    assert counts.hits == 0
    assert answer == await app.uncached(query, **variables)
    return answer


def remaining(data: dict[str, Any], promotion_id: str, level: str) -> str:
    [promotion] = [p for p in data["cartPromotions"] if p["promotionId"] == promotion_id]
    [limit] = promotion["restrictions"][level]
    value: str = limit["remainingRedemption"]
    return value


def redemption(customer_id: str, key: str) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "promotionId": "acme-welcome10",
        "transactionId": f"txn-{key}",
        "amount": "5.00",
        "idempotencyKey": key,
    }


async def test_repeated_reads_are_served_from_the_cache(cached: Cached) -> None:
    await served_twice(cached, OFFERS, id="demo-b2c")
    await served_twice(cached, CART, id="demo-loyal")
    reps = [{"__typename": "Customer", "id": c} for c in ("demo-loyal", "demo-b2c")]
    await served_twice(cached, ENTITIES, reps=reps)


async def test_a_redemption_through_the_api_is_seen_at_once(cached: Cached) -> None:
    before = await served_twice(cached, CART, id="demo-loyal")
    await cached.ask(REDEEM, input=redemption("demo-loyal", "k1"))

    after = await assert_fresh(cached, CART, id="demo-loyal")
    assert remaining(before, "acme-welcome10", "customer") == "2"
    assert remaining(after, "acme-welcome10", "customer") == "1"


async def test_another_customers_redemption_moves_the_promotion_level_count(
    cached: Cached,
) -> None:
    await cached.pool.execute(
        "INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time)"
        " VALUES ('demo-b2c', 'acme-welcome10', 'acme', now())"
    )
    before = await served_twice(cached, CART, id="demo-loyal")
    await cached.ask(REDEEM, input=redemption("demo-b2c", "k2"))

    after = await assert_fresh(cached, CART, id="demo-loyal")
    assert remaining(before, "acme-welcome10", "promotion") == "999"
    assert remaining(after, "acme-welcome10", "promotion") == "998"


async def test_a_shared_counter_changed_by_sql_is_seen_after_its_notification(
    cached: Cached,
) -> None:
    await served_twice(cached, CART, id="demo-loyal")
    generation = cached.cache.generations.promotion("acme-welcome10")
    await cached.pool.execute(
        "UPDATE promotion_restriction_usage SET used = used + 10 WHERE restriction_id IN"
        " (SELECT restriction_id FROM promotion_restrictions WHERE promotion_id = 'acme-welcome10')"
    )
    await until(lambda: cached.cache.generations.promotion("acme-welcome10") > generation)

    after = await assert_fresh(cached, CART, id="demo-loyal")
    assert remaining(after, "acme-welcome10", "promotion") == "989"


async def test_a_play_changed_by_sql_is_seen_after_its_notification(cached: Cached) -> None:
    before = await served_twice(cached, OFFERS, id="demo-b2c")
    generation = cached.cache.generations.global_generation
    await cached.pool.execute(
        "UPDATE plays SET status = 'paused' WHERE offer_id = 'acme-annual-upgrade'"
    )
    await until(lambda: cached.cache.generations.global_generation > generation)

    after = await assert_fresh(cached, OFFERS, id="demo-b2c")
    assert before["personalizedOffers"]["offers"][0]["offerId"] == "acme-annual-upgrade"
    assert [o["offerId"] for o in after["personalizedOffers"]["offers"]] != ["acme-annual-upgrade"]


async def test_a_subscription_changed_by_sql_is_seen_after_its_notification(
    cached: Cached,
) -> None:
    await served_twice(cached, OFFERS, id="demo-b2c")
    generation = cached.cache.generations.customer("demo-b2c")
    await cached.pool.execute(
        "UPDATE subscriptions SET billing_period_unit = 'year' WHERE customer_id = 'demo-b2c'"
    )
    await until(lambda: cached.cache.generations.customer("demo-b2c") > generation)

    after = await assert_fresh(cached, OFFERS, id="demo-b2c")
    # Annual billing already: the annual-upgrade offer no longer applies.
    assert [o["offerId"] for o in after["personalizedOffers"]["offers"]] != ["acme-annual-upgrade"]


async def test_a_dismissal_hides_the_offer_at_once(cached: Cached) -> None:
    before = await served_twice(cached, OFFERS, id="demo-b2c")
    offer_id = before["personalizedOffers"]["offers"][0]["id"]
    await cached.ask(RECORD_EVENT, id=offer_id, type="DISMISSED")

    after = await assert_fresh(cached, OFFERS, id="demo-b2c")
    assert after["personalizedOffers"]["offers"] == []


async def test_an_answer_is_not_served_past_its_expiry(cached: Cached) -> None:
    before = await served_twice(cached, OFFERS, id="demo-b2c")
    expires_at = datetime.fromisoformat(before["personalizedOffers"]["expiresAt"])
    cached.clock.now = expires_at - timedelta(seconds=1)
    counts = Counts()
    await cached.ask(OFFERS, id="demo-b2c")
    assert counts.hits == 1

    cached.clock.now = expires_at
    after = await assert_fresh(cached, OFFERS, id="demo-b2c")
    assert after["personalizedOffers"]["expiresAt"] > before["personalizedOffers"]["expiresAt"]


async def test_a_promotion_is_not_served_past_its_end(cached: Cached) -> None:
    ends_at = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)  # acme-welcome10's end
    cached.clock.now = ends_at - timedelta(minutes=1)
    before = await served_twice(cached, CART, id="demo-loyal")
    cached.clock.now = ends_at

    after = await assert_fresh(cached, CART, id="demo-loyal")
    status = {p["promotionId"]: p["promotionStatus"] for p in before["cartPromotions"]}
    later = {p["promotionId"]: p["promotionStatus"] for p in after["cartPromotions"]}
    assert (status["acme-welcome10"], later["acme-welcome10"]) == ("ACTIVE", "EXPIRED")


async def test_a_promotion_is_not_served_as_before_its_start_past_its_start(
    cached: Cached,
) -> None:
    starts_at = datetime(2025, 1, 1, tzinfo=UTC)  # the demo promotions' start
    cached.clock.now = starts_at - timedelta(minutes=1)
    before = await served_twice(cached, CART, id="demo-loyal")
    cached.clock.now = starts_at - timedelta(seconds=1)
    counts = Counts()
    assert await cached.ask(CART, id="demo-loyal") == before
    assert counts.hits == 1, "the answer holds until the start"
    cached.clock.now = starts_at

    after = await assert_fresh(cached, CART, id="demo-loyal")
    status = {p["promotionId"]: p["promotionStatus"] for p in before["cartPromotions"]}
    later = {p["promotionId"]: p["promotionStatus"] for p in after["cartPromotions"]}
    assert (status["acme-welcome10"], later["acme-welcome10"]) == ("INACTIVE", "ACTIVE")


async def test_a_listener_outage_turns_the_cache_off_then_clears_it(cached: Cached) -> None:
    await served_twice(cached, CART, id="demo-loyal")
    terminated = await cached.pool.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE application_name = 'offers-gateway-listener' AND datname = current_database()"
    )
    assert terminated == 1
    await until(lambda: not cached.cache.enabled)
    # A change while nobody listens: its notification is lost.
    await cached.pool.execute(
        "UPDATE customer_restriction_usage SET used = used + 1 WHERE customer_id = 'demo-loyal'"
    )
    counts = Counts()
    while not cached.cache.enabled:
        # Off: every answer is computed, nothing is stored or served from the cache.
        await assert_fresh(cached, CART, id="demo-loyal")
        await asyncio.sleep(0.01)
    assert counts.stores == 0 and len(cached.cache.store) == 0

    # Listening again, with nothing from before the outage: fresh, then cached again.
    after = await assert_fresh(cached, CART, id="demo-loyal")
    assert remaining(after, "acme-welcome10", "customer") == "1"
    counts = Counts()
    assert await cached.ask(CART, id="demo-loyal") == after
    assert counts.hits == 1


async def test_mutations_errors_and_other_fields_are_not_cached(cached: Cached) -> None:
    counts = Counts()
    for _ in range(2):
        await cached.http.post("/graphql", json={"query": "{ __typename }"})
        await cached.http.post("/graphql", json={"query": BAD_INPUT})
        await cached.http.post("/graphql", json={"query": FULFILLMENT})
    assert (counts.stores, counts.hits) == (0, 0)


def test_a_stored_answer_holds_no_more_memory_than_its_bytes() -> None:
    # orjson returns its answers in the (larger) buffer it grew; stored as is, a cache limited
    # to N bytes held several times N.
    cache = ResponseCache(max_entries=10, max_bytes=1 << 20)
    cache.connected()
    answer = {
        "data": {"cartPromotions": [{"promotionId": f"p{i}", "x": "y" * 30} for i in range(150)]}
    }
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        body = orjson.dumps(answer)
        length = len(body)
        stored = cache.save(b"key", cache.begin(), body, "application/json")
        del body
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored
    entry = cache.lookup(b"key", datetime.now(UTC))
    assert entry is not None and len(entry.body) == length
    assert after - before < length + 4096
    assert REGISTRY.get_sample_value("gateway_response_cache_entries") == 1
    bytes_held = REGISTRY.get_sample_value("gateway_response_cache_bytes")
    assert bytes_held is not None and length < bytes_held < length + 4096


DEFERRED_CART = CART.replace(
    "restrictions {", '... @defer(label: "limits") { restrictions {'
).replace("remainingRedemption } }\n", "remainingRedemption } } }\n")
MULTIPART = {"accept": "multipart/mixed;deferSpec=20220824,application/json"}


async def _deferred(app: Cached) -> dict[str, Any]:
    response = await app.http.post(
        "/graphql",
        json={"query": DEFERRED_CART, "variables": {"id": "demo-loyal"}},
        headers=MULTIPART,
    )
    assert response.headers["content-type"].startswith("multipart/mixed")
    return merge_parts(parts(response.text, response.headers["content-type"]))


async def test_a_deferred_answer_is_stored_whole_and_invalidated_like_any_other(
    cached: Cached,
) -> None:
    assert "@defer" in DEFERRED_CART
    counts = Counts()
    first = await _deferred(cached)
    second = await _deferred(cached)
    assert (counts.stores, counts.hits) == (1, 1)
    assert second == first == await cached.uncached(CART, id="demo-loyal")
    # A JSON client asking the same query gets its own entry (the key holds the Accept header).
    assert await cached.ask(DEFERRED_CART, id="demo-loyal") == first

    await cached.ask(REDEEM, input=redemption("demo-loyal", "deferred"))

    after = await _deferred(cached)
    assert remaining(after, "acme-welcome10", "customer") != remaining(
        first, "acme-welcome10", "customer"
    )
    assert after == await cached.uncached(CART, id="demo-loyal")
