"""End to end: Hive Gateway routes one query across this gateway and an accounts subgraph."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import demo_database
from tests.docs_pages import DOCS, blocks
from tests.federation.node import HERE, accounts_sdl, compose, require_node_project
from tests.http.multipart import merge_parts, parts
from tests.live.wire import sse_stream, ws_session
from tests.serving import create_keys_with_cli, free_port, running_gateway, running_process

SUPERGRAPH_QUERY = """
{
  loyal: customer(id: "demo-loyal") {
    name
    cartPromotions { promotionName restrictions { customer { kpi remainingRedemption } } }
  }
  consumer: customer(id: "demo-b2c") {
    name
    personalizedOffers(context: { requestContext: { locale: "en-US" } }) {
      offers { offerId content { title } }
      expiresAt
    }
  }
}
"""

DIRECT_CART = """
{ cartPromotions(customerId: "demo-loyal") {
    promotionName restrictions { customer { kpi remainingRedemption } } } }
"""


def _answers_graphql(url: str) -> Callable[[], bool]:
    return lambda: httpx.post(url, json={"query": "{ __typename }"}, timeout=1).is_success


@contextmanager
def _subgraphs(
    database_dsn: str,
    tmp_path: Path,
    *,
    offers_env: dict[str, str] | None = None,
    offers_headers: dict[str, str] | None = None,
) -> Iterator[tuple[str, Path]]:
    """This gateway and the accounts subgraph, running, composed: (offers base URL, supergraph).

    ``offers_env`` is added to this gateway's environment; ``offers_headers`` go with the request
    for its SDL. Both processes are stopped (SIGTERM, then SIGKILL after 30 s) when the block
    ends, however it ends.
    """
    require_node_project()
    accounts_port = free_port()
    accounts_url = f"http://127.0.0.1:{accounts_port}/graphql"
    accounts = accounts_sdl(tmp_path)

    with (
        running_gateway(
            {"DATABASE_URL": database_dsn, **(offers_env or {})}, log=tmp_path / "offers.log"
        ) as (offers_base, _),
        running_process(
            [sys.executable, str(HERE / "accounts.py"), str(accounts_port)],
            _answers_graphql(accounts_url),
            cwd=HERE,
        ),
    ):
        offers_sdl = tmp_path / "offers.graphql"
        offers_sdl.write_text(
            httpx.post(
                f"{offers_base}/graphql",
                json={"query": "{ _service { sdl } }"},
                headers=offers_headers,
            ).json()["data"]["_service"]["sdl"]
        )
        supergraph = tmp_path / "supergraph.graphql"
        composed = compose(
            "apollo",
            supergraph,
            {
                "offers": (f"{offers_base}/graphql", offers_sdl),
                "accounts": (accounts_url, accounts),
            },
        )
        assert composed.returncode == 0, composed.stderr
        yield offers_base, supergraph


@contextmanager
def _router(
    supergraph: Path, tmp_path: Path, config: str = "", router_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Hive Gateway on ``supergraph`` (with ``config`` when given): its /graphql URL.

    ``router_env`` is added to its environment; stopped as the subgraphs are.
    """
    router_port = free_port()
    router_url = f"http://127.0.0.1:{router_port}/graphql"
    hive = ["node", "node_modules/.bin/hive-gateway"]
    if config:
        config_file = tmp_path / "gateway.config.mjs"
        config_file.write_text(config)
        hive += ["--config-path", str(config_file)]
    hive += ["supergraph", str(supergraph), "--host", "127.0.0.1", "--port", str(router_port)]
    with running_process(
        hive,
        _answers_graphql(router_url),
        cwd=HERE,
        env={**os.environ, **(router_env or {})},
        log=tmp_path / "hive-gateway.log",
    ):
        yield router_url


@contextmanager
def _hive_gateway(
    database_dsn: str,
    tmp_path: Path,
    config: str = "",
    *,
    offers_env: dict[str, str] | None = None,
    router_env: dict[str, str] | None = None,
    offers_headers: dict[str, str] | None = None,
) -> Iterator[tuple[str, str]]:
    """This gateway and the accounts subgraph composed behind Hive Gateway: (router, offers).

    ``offers_env`` is added to this gateway's environment, ``router_env`` to Hive Gateway's;
    ``offers_headers`` go with the request for this gateway's SDL. Every process is stopped
    (SIGTERM, then SIGKILL after 30 s) when the block ends, however it ends.
    """
    with (
        _subgraphs(
            database_dsn, tmp_path, offers_env=offers_env, offers_headers=offers_headers
        ) as (offers_base, supergraph),
        _router(supergraph, tmp_path, config, router_env) as router_url,
    ):
        yield router_url, f"{offers_base}/graphql"


@pytest.fixture(scope="module")
def read_only_subgraphs(
    server_dsn: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The subgraphs in development mode, composed, for the tests that only read (one start
    for the module): (offers base URL, supergraph)."""
    state = tmp_path_factory.mktemp("subgraphs")
    with (
        demo_database(server_dsn, template_database) as dsn,
        _subgraphs(dsn, state) as subgraphs,
    ):
        yield subgraphs


def test_a_federated_query_through_hive_gateway(
    read_only_subgraphs: tuple[str, Path], tmp_path: Path
) -> None:
    offers_base, supergraph = read_only_subgraphs
    offers_url = f"{offers_base}/graphql"
    with _router(supergraph, tmp_path) as router_url:
        answer = httpx.post(router_url, json={"query": SUPERGRAPH_QUERY}, timeout=30).json()
        direct = httpx.post(offers_url, json={"query": DIRECT_CART}).json()

    assert "errors" not in answer, answer
    loyal, consumer = answer["data"]["loyal"], answer["data"]["consumer"]
    assert loyal["name"] == "Lou Loyal"
    assert loyal["cartPromotions"] == direct["data"]["cartPromotions"]
    assert any(p["restrictions"] and p["restrictions"]["customer"] for p in loyal["cartPromotions"])
    assert consumer["name"] == "Bea Consumer"
    [offer] = consumer["personalizedOffers"]["offers"]
    assert offer["offerId"] and offer["content"]["title"]
    assert consumer["personalizedOffers"]["expiresAt"]


DEFERRED_SUPERGRAPH_QUERY = """
{
  customer(id: "demo-loyal") {
    name
    ... @defer(label: "limits") {
      cartPromotions { promotionName restrictions { customer { kpi remainingRedemption } } }
    }
  }
}
"""
# Hive Gateway runs @defer itself (subgraphs get plain queries): a fragment deferring a subgraph
# field works; in 2.15 one deferring fields of the items of a list it fetched answers them null.
DEFER_STREAM = "export const gatewayConfig = { deferStream: true };\n"


def test_defer_through_hive_gateway(read_only_subgraphs: tuple[str, Path], tmp_path: Path) -> None:
    with _router(read_only_subgraphs[1], tmp_path, DEFER_STREAM) as router_url:
        response = httpx.post(
            router_url,
            json={"query": DEFERRED_SUPERGRAPH_QUERY},
            headers={"accept": "multipart/mixed;deferSpec=20220824,application/json"},
            timeout=30,
        )
        whole = httpx.post(
            router_url,
            json={"query": DEFERRED_SUPERGRAPH_QUERY.replace(' @defer(label: "limits")', "")},
            timeout=30,
        ).json()

    assert response.headers["content-type"].startswith("multipart/mixed")
    found = parts(response.text, response.headers["content-type"])
    first = found[0]
    assert first["hasNext"] is True
    assert first["data"]["customer"]["name"] == "Lou Loyal"
    assert "cartPromotions" not in first["data"]["customer"]
    assert found[-1]["hasNext"] is False
    assert merge_parts(found) == whole["data"], (response.text, whole)


LIVE_CART = """subscription Cart($id: ID!) { cartPromotionsChanged(customerId: $id) {
  id promotionId restrictions { customer { remainingRedemption } } } }"""
REDEEM = """mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""
# Hive Gateway subscribes to this subgraph over GraphQL over SSE (its HTTP executor's default:
# GET with Accept: text/event-stream) and sends the transport entry's headers with every
# subgraph request, subscriptions included: the router key authenticates them all. The test runs
# the configuration as docs/federation.md shows it.
[DOCUMENTED_CONFIG] = [
    b.text for b in blocks(DOCS / "federation.md") if b.info == "js filename=gateway.config.mjs"
]


async def _next_event(events: AsyncIterator[tuple[str, str]], timeout_s: float) -> dict[str, Any]:
    """The payload of the next ``next`` event (heartbeat comments skipped) within ``timeout_s``."""
    try:
        async with asyncio.timeout(timeout_s):
            async for event, data in events:
                if event == "next":
                    return dict(json.loads(data))
                assert event == "comment", (event, data)
    except TimeoutError:
        raise AssertionError(f"no event through the router in {timeout_s} s") from None
    raise AssertionError("the event stream ended")


def _remaining(payload: dict[str, Any]) -> int:
    assert "errors" not in payload, payload
    [promotion] = [
        p for p in payload["data"]["cartPromotionsChanged"] if p["promotionId"] == "acme-welcome10"
    ]
    return int(promotion["restrictions"]["customer"][0]["remainingRedemption"])


async def test_a_subscription_through_hive_gateway_sees_a_redemption(
    database_dsn: str, tmp_path: Path
) -> None:
    [key] = create_keys_with_cli(
        database_dsn, {"router": (("router", "read", "write"), ("acme",))}
    ).values()
    redemption = {
        "input": {
            "customerId": "demo-loyal",
            "promotionId": "acme-welcome10",
            "transactionId": "t-through-hive",
            "amount": "1.00",
            "idempotencyKey": "through-hive",
        }
    }
    with _hive_gateway(
        database_dsn,
        tmp_path,
        DOCUMENTED_CONFIG,
        offers_env={"GATEWAY_REQUIRE_API_KEYS": "true"},
        router_env={"OFFERS_ROUTER_KEY": key},
        offers_headers={"authorization": f"Bearer {key}"},
    ) as (router_url, offers_url):
        # Every wait is bounded: a stream that never answers fails the test, it does not hang it.
        async with (
            asyncio.timeout(60),
            httpx.AsyncClient(timeout=10) as http,
            sse_stream(router_url, LIVE_CART, {"id": "demo-loyal"}) as events,
            ws_session(router_url) as ws,
        ):
            await ws.subscribe("cart", LIVE_CART, id="demo-loyal")
            first_sse = await _next_event(events, 20)
            first_ws = (await ws.message("cart", timeout_s=20))["payload"]
            keyless = await http.post(offers_url, json={"query": REDEEM, "variables": redemption})
            metrics = await http.get(
                offers_url.replace("/graphql", "/metrics"),
                headers={"authorization": f"Bearer {key}"},
            )

            redeemed = await http.post(router_url, json={"query": REDEEM, "variables": redemption})
            update_sse = await _next_event(events, 10)
            update_ws = (await ws.message("cart", timeout_s=10))["payload"]

    assert "UNAUTHENTICATED" in keyless.text, "the subgraph itself requires a key"
    # The router keeps one subgraph stream per client subscription, both on the router's key.
    assert "gateway_subscriptions_open 2.0" in metrics.text.splitlines()
    assert redeemed.json()["data"]["redeemCartPromotion"]["__typename"] == "Redemption"
    before = _remaining(first_sse)
    assert _remaining(first_ws) == before
    assert _remaining(update_sse) == _remaining(update_ws) == before - 1
