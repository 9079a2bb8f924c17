"""End to end: Hive Gateway routes one query across this gateway and an accounts subgraph."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.federation.node import HERE, accounts_sdl, compose, require_node_project
from tests.serving import free_port, running_gateway, running_process

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


def test_a_federated_query_through_hive_gateway(database_dsn: str, tmp_path: Path) -> None:
    require_node_project()
    accounts_port, router_port = free_port(), free_port()
    accounts_url = f"http://127.0.0.1:{accounts_port}/graphql"
    accounts = accounts_sdl(tmp_path)

    with (
        running_gateway({"DATABASE_URL": database_dsn}) as (offers_base, _),
        running_process(
            [sys.executable, str(HERE / "accounts.py"), str(accounts_port)],
            _answers_graphql(accounts_url),
            cwd=HERE,
        ),
    ):
        offers_sdl = tmp_path / "offers.graphql"
        offers_sdl.write_text(
            httpx.post(f"{offers_base}/graphql", json={"query": "{ _service { sdl } }"}).json()[
                "data"
            ]["_service"]["sdl"]
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
        router_url = f"http://127.0.0.1:{router_port}/graphql"
        hive = [
            "node",
            "node_modules/.bin/hive-gateway",
            "supergraph",
            str(supergraph),
            "--host",
            "127.0.0.1",
            "--port",
            str(router_port),
        ]
        with running_process(hive, _answers_graphql(router_url), cwd=HERE):
            answer = httpx.post(router_url, json={"query": SUPERGRAPH_QUERY}, timeout=30).json()
        direct = httpx.post(f"{offers_base}/graphql", json={"query": DIRECT_CART}).json()

    assert "errors" not in answer, answer
    loyal, consumer = answer["data"]["loyal"], answer["data"]["consumer"]
    assert loyal["name"] == "Lou Loyal"
    assert loyal["cartPromotions"] == direct["data"]["cartPromotions"]
    assert any(p["restrictions"] and p["restrictions"]["customer"] for p in loyal["cartPromotions"])
    assert consumer["name"] == "Bea Consumer"
    [offer] = consumer["personalizedOffers"]["offers"]
    assert offer["offerId"] and offer["content"]["title"]
    assert consumer["personalizedOffers"]["expiresAt"]
