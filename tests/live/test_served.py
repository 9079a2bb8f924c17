"""Subscriptions on a real served gateway: a redemption reaches its subscriber, only it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Origin

from tests.live.wire import PROTOCOL, sse_stream, ws_session
from tests.shared_server import counter, fresh, metrics, served_demo

CART = """subscription Cart($id: ID!) { cartPromotionsChanged(customerId: $id) {
  id promotionId restrictions { customer { remainingRedemption } } } }"""
OFFER = """subscription Offer($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  expiresAt offers { id offerId } } }"""
REDEEM = """mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""


@pytest.fixture(scope="module")
def served_module(
    server_dsn: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(``/graphql``, database DSN) of a real ``gateway serve`` (development mode, subscriptions
    on), one for the module: starting one costs seconds."""
    with served_demo(server_dsn, template_database, tmp_path_factory.mktemp("served")) as served:
        yield served


@pytest.fixture
async def served(served_module: tuple[str, str]) -> str:
    """The module's gateway as a fresh one: the demo data put back, no subscription left open
    by an earlier test (its rounds would count in this test's)."""
    await fresh(*served_module)
    return served_module[0]


def _remaining(message: dict[str, Any], promotion_id: str) -> str:
    [promotion] = [
        p
        for p in message["payload"]["data"]["cartPromotionsChanged"]
        if p["promotionId"] == promotion_id
    ]
    return str(promotion["restrictions"]["customer"][0]["remainingRedemption"])


async def _redeem(graphql_url: str, customer_id: str, key: str) -> None:
    variables = {
        "input": {
            "customerId": customer_id,
            "promotionId": "acme-welcome10",
            "transactionId": f"t-{key}",
            "amount": "1.00",
            "idempotencyKey": key,
        }
    }
    async with httpx.AsyncClient() as http:
        response = await http.post(graphql_url, json={"query": REDEEM, "variables": variables})
    assert response.json()["data"]["redeemCartPromotion"]["__typename"] == "Redemption"


async def test_a_redemption_reaches_its_subscriber_and_no_other_customers(served: str) -> None:
    async with ws_session(served) as ws:
        await ws.subscribe("loyal", CART, id="demo-loyal")
        await ws.subscribe("b2c", CART, id="demo-b2c")
        first = await ws.message("loyal")
        other_first = await ws.message("b2c")
        assert first["type"] == "next" and other_first["type"] == "next", (first, other_first)
        before = _remaining(first, "acme-welcome10")

        await _redeem(served, "demo-loyal", "live-1")

        update = await ws.message("loyal", timeout_s=3)
        assert _remaining(update, "acme-welcome10") == str(int(before) - 1)
        assert await ws.quiet("b2c", 1.0), "the other customer's answer did not change"
        assert await ws.quiet("loyal", 0.5), "one update per change"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_sse_sends_the_current_listing_then_the_change(served: str, method: str) -> None:
    async with sse_stream(served, CART, {"id": "demo-loyal"}, method=method) as events:
        event, data = await anext(events)
        assert event == "next", (event, data)
        assert '"cartPromotionsChanged"' in data
        await _redeem(served, "demo-loyal", f"live-sse-{method}")
        event, data = await anext(events)
        assert event == "next" and '"remainingRedemption"' in data


ISSUE = """mutation { issueCartPromotion(promotionId: "acme-welcome10", customerIds: ["demo-b2c"]) {
  issuedCustomerIds } }"""
NAMES = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) { promotionId } }"""
SHARED = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) {
  promotionId restrictions { promotion { remainingRedemption } } } }"""


async def _metric(graphql_url: str, name: str) -> float:
    return counter(await metrics(graphql_url), name)


async def _rounds(graphql_url: str) -> float:
    return await _metric(graphql_url, "gateway_subscription_rounds_total")


async def test_a_shared_limit_reaches_other_holders_who_show_it_and_wakes_no_one_else(
    served: str,
) -> None:
    async with httpx.AsyncClient() as http:
        issued = (await http.post(served, json={"query": ISSUE})).json()
    assert issued["data"]["issueCartPromotion"]["issuedCustomerIds"] == ["demo-b2c"]
    async with ws_session(served) as ws:
        await ws.subscribe("names", NAMES, id="demo-b2c")
        await ws.subscribe("shared", SHARED, id="demo-b2c")
        await ws.message("names")
        first = await ws.message("shared")
        before = await _rounds(served)

        await _redeem(served, "demo-loyal", "live-shared")  # nobody subscribes to demo-loyal

        update = await ws.message("shared", timeout_s=3)
        assert await ws.quiet("names", 1.0)
        after = await _rounds(served)

    def shared_remaining(message: dict[str, Any]) -> str:
        [promotion] = [
            p
            for p in message["payload"]["data"]["cartPromotionsChanged"]
            if p["promotionId"] == "acme-welcome10"
        ]
        return str(promotion["restrictions"]["promotion"][0]["remainingRedemption"])

    assert int(shared_remaining(update)) == int(shared_remaining(first)) - 1
    assert after - before == 1, "only the subscriber showing the shared limit re-ran"


async def _handshake(graphql_url: str, origin: str) -> int:
    """The HTTP status of a browser-like WebSocket handshake from a page on ``origin``."""
    url = graphql_url.replace("http://", "ws://")
    try:
        async with websockets.connect(url, subprotocols=[PROTOCOL], origin=Origin(origin)):  # type: ignore[list-item]
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


async def test_pages_on_origins_cors_allows_may_open_a_websocket_others_not(served: str) -> None:
    # Development: CORS allows any port of the loopback names, and nothing else.
    assert await _handshake(served, "http://localhost:5173") == 101
    assert await _handshake(served, "http://127.0.0.1:4173") == 101
    assert await _handshake(served, "https://shop.evil.example") == 403
