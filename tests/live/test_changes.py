"""What wakes a subscription, and what it then sends (a real served gateway, real notifications).

A validTill passing sends the new status with no write at all (a scheduled wake-up); a re-run
whose answer only differs by a new decision token and an expiresAt moved by its TTL sends
nothing; an expiresAt passing sends a new decision; a catalog change reaches offers subscribers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from tests.live.wire import ws_session
from tests.shared_server import counter, fresh, metrics, served_demo

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) {
  promotionId earnedStatus validTill } }"""
OFFER = """subscription ($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  expiresAt offers { id offerId } } }"""


@pytest.fixture(scope="module")
def served_module(
    server_dsn: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(``/graphql`` of a served gateway, its database's DSN), one for the module."""
    with served_demo(server_dsn, template_database, tmp_path_factory.mktemp("served")) as served:
        yield served


@pytest.fixture
async def served(served_module: tuple[str, str]) -> tuple[str, str]:
    """The module's gateway as a fresh one: the demo data put back, no subscription left open
    by an earlier test (its rounds would count in this test's)."""
    await fresh(*served_module)
    return served_module


async def _sql(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _promotion(message: dict[str, Any], promotion_id: str) -> dict[str, Any]:
    [promotion] = [
        p
        for p in message["payload"]["data"]["cartPromotionsChanged"]
        if p["promotionId"] == promotion_id
    ]
    return dict(promotion)


async def test_a_valid_till_passing_sends_the_expired_status(served: tuple[str, str]) -> None:
    url, dsn = served
    async with ws_session(url) as ws:
        await ws.subscribe("1", CART, id="demo-loyal")
        first = _promotion(await ws.message("1"), "acme-welcome10")
        assert first["earnedStatus"] == "UNLOCKED"

        await _sql(
            dsn,
            "UPDATE customer_promotions SET valid_till = now() + interval '2 seconds'"
            " WHERE customer_id = 'demo-loyal' AND promotion_id = 'acme-welcome10'",
        )
        moved = _promotion(await ws.message("1", 3), "acme-welcome10")
        expired = _promotion(await ws.message("1", 5), "acme-welcome10")

    assert moved["earnedStatus"] == "UNLOCKED" and moved["validTill"] != first["validTill"]
    assert expired["earnedStatus"] == "EXPIRED"
    assert expired["validTill"] == moved["validTill"]


async def test_a_rerun_with_only_a_new_token_sends_nothing(served: tuple[str, str]) -> None:
    url, dsn = served
    async with ws_session(url) as ws:
        await ws.subscribe("1", OFFER, id="demo-b2c")
        first = (await ws.message("1"))["payload"]["data"]["personalizedOfferChanged"]
        assert first["offers"], "demo-b2c has an offer"
        before = await metrics(url)

        # A write to the customer that changes nothing the decision reads: a re-run.
        await _sql(
            dsn, "UPDATE customers SET customer_id = customer_id WHERE customer_id = 'demo-b2c'"
        )

        assert await ws.quiet("1", 1.5)
        after = await metrics(url)

    rounds = "gateway_subscription_rounds_total"
    dropped = 'gateway_subscription_answers_total{outcome="dropped"}'
    assert counter(after, rounds) == counter(before, rounds) + 1, "the write woke it once"
    assert counter(after, dropped) == counter(before, dropped) + 1, "and its answer was dropped"


async def test_an_expires_at_passing_sends_a_new_decision(served: tuple[str, str]) -> None:
    url, dsn = served
    await _sql(dsn, "UPDATE plays SET decision_ttl = interval '2 seconds'")
    async with ws_session(url) as ws:
        await ws.subscribe("1", OFFER, id="demo-b2c")
        first = (await ws.message("1"))["payload"]["data"]["personalizedOfferChanged"]
        renewed = (await ws.message("1", 4))["payload"]["data"]["personalizedOfferChanged"]

    first_expiry = datetime.fromisoformat(first["expiresAt"])
    assert datetime.fromisoformat(renewed["expiresAt"]) > first_expiry
    assert renewed["offers"][0]["offerId"] == first["offers"][0]["offerId"]
    assert renewed["offers"][0]["id"] != first["offers"][0]["id"], "a new decision token"


async def test_a_catalog_change_reaches_offers_subscribers(served: tuple[str, str]) -> None:
    url, dsn = served
    async with ws_session(url) as ws:
        await ws.subscribe("1", OFFER, id="demo-b2c")
        first = (await ws.message("1"))["payload"]["data"]["personalizedOfferChanged"]
        await _sql(dsn, "UPDATE plays SET status = 'paused' WHERE brand_id = 'acme'")
        changed = (await ws.message("1", 3))["payload"]["data"]["personalizedOfferChanged"]

    assert first["offers"] and changed["offers"] == []
