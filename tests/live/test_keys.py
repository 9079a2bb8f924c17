"""Subscriptions under API keys (production mode): the tenant matrix, limits, revocation, pings.

A real ``gateway serve`` in production mode, keys made by the real ``gateway keys create``;
subscriptions over graphql-transport-ws (the key in ``connection_init``) and over SSE (the key
in the Authorization header). Each Subscription field has a case, as each Query field has one in
``tests/auth/test_tenant_isolation.py``; a new field without one fails.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websockets

from gateway.operation.assembly import build_schema
from tests.conftest import demo_database
from tests.live.wire import PROTOCOL, sse_stream, ws_session
from tests.serving import create_keys_with_cli, gateway_cli, running_gateway

SIGNING_KEY = "live-keys-signing-key-0123456789abcdef"
PER_KEY = 3
PING_S = 0.5

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) { promotionId } }"""
OFFER = """subscription ($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  offers { offerId } brand { id } } }"""

KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "acme:read": (("read",), ("acme",)),
    "acme:all-but-read": (("write", "admin", "router"), ("acme",)),
    "globex:all": (("read", "write", "admin", "router"), ("globex",)),
    "acme:limited": (("read",), ("acme",)),
    "acme:revoked": (("read",), ("acme",)),
}


@dataclass(frozen=True)
class Case:
    """One subscription field: its operation, and what the acme and globex keys get first."""

    query: str
    variables: dict[str, Any]
    allowed: Any
    other_brand: Any


CASES = {
    "cartPromotionsChanged": Case(
        CART,
        {"id": "demo-loyal"},
        lambda data: len(data["cartPromotionsChanged"]) > 0,
        {"cartPromotionsChanged": []},
    ),
    "personalizedOfferChanged": Case(
        OFFER,
        {"id": "demo-b2c"},
        lambda data: data["personalizedOfferChanged"]["brand"] == {"id": "acme"},
        {"personalizedOfferChanged": {"offers": [], "brand": None}},
    ),
}


@dataclass
class Served:
    """The served gateway and its keys."""

    url: str
    tokens: dict[str, str]
    dsn: str

    def auth(self, key: str) -> dict[str, str]:
        """The Authorization header of ``key``."""
        return {"authorization": f"Bearer {self.tokens[key]}"}


@pytest.fixture(scope="module")
def served(server_dsn: str, template_database: str, tmp_path_factory: Any) -> Iterator[Served]:
    """A production ``gateway serve`` with small subscription limits and fast pings."""
    state: Path = tmp_path_factory.mktemp("live-keys")
    with demo_database(server_dsn, template_database) as dsn:
        tokens = create_keys_with_cli(dsn, KEYS)
        env = {
            "DATABASE_URL": dsn,
            "GATEWAY_ENV": "production",
            "GATEWAY_SIGNING_KEY": SIGNING_KEY,
            "GATEWAY_DATA_DIR": str(state),
            "GATEWAY_LOAD_DEMO": "false",
            "GATEWAY_SUBSCRIPTIONS_PER_KEY": str(PER_KEY),
            "GATEWAY_SUBSCRIPTION_PING_S": str(PING_S),
        }
        with running_gateway(env, log=state / "serve.log") as (base, _process):
            yield Served(f"{base}/graphql", tokens, dsn)


def test_every_subscription_field_has_a_case() -> None:
    subscription = build_schema()._schema.subscription_type
    assert subscription is not None
    assert set(CASES) == set(subscription.fields)


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors") or ()]


async def _first_over_ws(served: Served, key: str, case: Case) -> dict[str, Any]:
    async with ws_session(served.url, served.auth(key)) as ws:
        await ws.subscribe("1", case.query, **case.variables)
        message = await ws.message("1")
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload


async def _first_over_sse(served: Served, key: str, case: Case) -> dict[str, Any]:
    async with sse_stream(served.url, case.query, case.variables, served.auth(key)) as events:
        event, data = await anext(events)
        assert event == "next", (event, data)
        payload: dict[str, Any] = json.loads(data)
        return payload


TRANSPORTS = {"ws": _first_over_ws, "sse": _first_over_sse}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("name", list(CASES))
async def test_the_brands_reader_gets_the_answer(served: Served, name: str, transport: str) -> None:
    payload = await TRANSPORTS[transport](served, "acme:read", CASES[name])

    assert _codes(payload) == []
    assert CASES[name].allowed(payload["data"])


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("name", list(CASES))
async def test_another_brands_key_sees_nothing(served: Served, name: str, transport: str) -> None:
    payload = await TRANSPORTS[transport](served, "globex:all", CASES[name])

    assert _codes(payload) == []
    assert payload["data"] == CASES[name].other_brand


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("name", list(CASES))
async def test_a_key_without_read_is_forbidden(served: Served, name: str, transport: str) -> None:
    payload = await TRANSPORTS[transport](served, "acme:all-but-read", CASES[name])

    assert _codes(payload) == ["FORBIDDEN"]
    assert "'read' scope" in payload["errors"][0]["message"]


async def test_a_websocket_without_a_key_is_closed_with_4403(served: Served) -> None:
    url = served.url.replace("http://", "ws://")
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_one_subscription_past_the_keys_limit_is_refused(served: Served) -> None:
    async with ws_session(served.url, served.auth("acme:limited")) as ws:
        for n in range(PER_KEY):
            await ws.subscribe(str(n), CART, id="demo-loyal")
            assert (await ws.message(str(n)))["type"] == "next"

        await ws.subscribe("over", CART, id="demo-loyal")
        refused = await ws.message("over")
        done = await ws.message("over")

        assert _codes(refused["payload"]) == ["TOO_MANY_SUBSCRIPTIONS"]
        assert done["type"] == "complete"
        await ws.complete("0")  # one ends: the next is admitted
        await asyncio.sleep(0.2)
        await ws.subscribe("again", CART, id="demo-loyal")
        assert _codes((await ws.message("again"))["payload"]) == []


async def test_a_revoked_keys_subscriptions_end_within_10_seconds(served: Served) -> None:
    async with ws_session(served.url, served.auth("acme:revoked")) as ws:
        await ws.subscribe("1", CART, id="demo-loyal")
        assert (await ws.message("1"))["type"] == "next"
        key_id = served.tokens["acme:revoked"].split("_")[1]
        await asyncio.to_thread(
            gateway_cli, "keys", "revoke", key_id, env={"DATABASE_URL": served.dsn}
        )
        ended = await ws.message("1", timeout_s=10)
        done = await ws.message("1", timeout_s=1)

    assert _codes(ended["payload"]) == ["UNAUTHENTICATED"]
    assert done["type"] == "complete"


async def test_idle_connections_are_pinged(served: Served) -> None:
    async with ws_session(served.url, served.auth("acme:read")) as ws:
        await ws.subscribe("1", CART, id="demo-loyal")
        await ws.message("1")
        await asyncio.sleep(PING_S * 3)
        assert ws.pings >= 2
    case = CASES["cartPromotionsChanged"]
    async with sse_stream(served.url, case.query, case.variables, served.auth("acme:read")) as ev:
        assert (await anext(ev))[0] == "next"
        assert await asyncio.wait_for(anext(ev), PING_S * 4) == ("comment", "ping")
