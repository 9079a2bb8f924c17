"""What wakes a subscription, and what it then sends (a real served gateway, real notifications).

A validTill passing sends the new status with no write at all (a scheduled wake-up); a re-run
whose answer only differs by a new decision token and an expiresAt moved by its TTL sends
nothing; an expiresAt passing sends a new decision; a catalog change reaches offers subscribers.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import demo_database
from tests.live.wire import ws_session
from tests.pristine import restore, snapshot
from tests.serving import running_gateway

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) {
  promotionId earnedStatus validTill } }"""
OFFER = """subscription ($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  expiresAt offers { id offerId } } }"""

# How long subscriptions of an earlier test may take to close on the server.
QUIET_S = 10


@pytest.fixture(scope="module")
def served_module(
    server_dsn: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(``/graphql`` of a served gateway, its database's DSN), one for the module."""
    state = tmp_path_factory.mktemp("served")
    with demo_database(server_dsn, template_database) as dsn:
        asyncio.run(snapshot(dsn))
        env = {"DATABASE_URL": dsn, "GATEWAY_DATA_DIR": str(state / "state")}
        with running_gateway(env, log=state / "gateway.log") as (base, _process):
            yield f"{base}/graphql", dsn


@pytest.fixture
async def served(served_module: tuple[str, str]) -> tuple[str, str]:
    """The module's gateway as a fresh one: the demo data put back, no subscription left open
    by an earlier test (its rounds would count in this test's)."""
    url, dsn = served_module
    await restore(dsn)
    deadline = time.monotonic() + QUIET_S
    while (open_now := _counter(await _metrics(url), "gateway_subscriptions_open")) != 0:
        assert time.monotonic() < deadline, f"{open_now} subscriptions still open"
        await asyncio.sleep(0.05)
    return url, dsn


async def _sql(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _counter(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def _metrics(graphql_url: str) -> str:
    async with httpx.AsyncClient() as http:
        return (await http.get(graphql_url.replace("/graphql", "/metrics"))).text


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
        before = await _metrics(url)

        # A write to the customer that changes nothing the decision reads: a re-run.
        await _sql(
            dsn, "UPDATE customers SET customer_id = customer_id WHERE customer_id = 'demo-b2c'"
        )

        assert await ws.quiet("1", 1.5)
        after = await _metrics(url)

    rounds = "gateway_subscription_rounds_total"
    dropped = 'gateway_subscription_answers_total{outcome="dropped"}'
    assert _counter(after, rounds) == _counter(before, rounds) + 1, "the write woke it once"
    assert _counter(after, dropped) == _counter(before, dropped) + 1, "and its answer was dropped"


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
