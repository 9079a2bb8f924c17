"""End to end: Hive Gateway routes one query across this gateway and an accounts subgraph."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.federation.node import HERE, accounts_sdl, compose, require_node_project
from tests.http.multipart import merge_parts, parts
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


@contextmanager
def _hive_gateway(database_dsn: str, tmp_path: Path, config: str = "") -> Iterator[tuple[str, str]]:
    """This gateway and the accounts subgraph composed behind Hive Gateway: (router, offers)."""
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
        hive = ["node", "node_modules/.bin/hive-gateway"]
        if config:
            config_file = tmp_path / "gateway.config.mjs"
            config_file.write_text(config)
            hive += ["--config-path", str(config_file)]
        hive += ["supergraph", str(supergraph), "--host", "127.0.0.1", "--port", str(router_port)]
        with running_process(hive, _answers_graphql(router_url), cwd=HERE):
            yield router_url, f"{offers_base}/graphql"


def test_a_federated_query_through_hive_gateway(database_dsn: str, tmp_path: Path) -> None:
    with _hive_gateway(database_dsn, tmp_path) as (router_url, offers_url):
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


def test_defer_through_hive_gateway(database_dsn: str, tmp_path: Path) -> None:
    with _hive_gateway(database_dsn, tmp_path, DEFER_STREAM) as (router_url, _):
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
