"""``extensions.sqlRoundTrips`` against the round trips PostgreSQL actually receives.

The gateway counts its own round trips; here they are counted outside the process too, by a
proxy that reads the PostgreSQL protocol between a real ``gateway serve`` and the server
(``tests/pg_wire.py``). For each operation, after warm-up requests, the statements the proxy
saw during one request (extended-protocol batches with an Execute, and simple queries) must equal
what the gateway reported.

Left out of both counts, by design: BEGIN / COMMIT / ROLLBACK (the service counts a transaction's
statements, not its control; the proxy counts them apart) and statement preparation (asyncpg
prepares a statement once per connection; after the warm-up none is prepared, which is checked).

Not counted by the service at all, and absent here by construction: development mode without
keys sends no API-key lookup (``auth/authenticate.py`` queries the pool directly, in production),
and with no replica configured ``cache/replica_reads.py`` (which reads the primary's snapshot
straight through the pool) never runs. The pool is opened at its full size before the measure,
so no connection's setup (type introspection) falls inside it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from tests.conftest import demo_database
from tests.pg_wire import Upstream, WireCounter
from tests.serving import running_gateway

OFFERS = """{
  personalizedOffers(input: {customerId: "demo-b2c", requestContext: {locale: "de-DE"}}) {
    offers { id offerId content { title description } options { id label processingType } }
    brand { id name }
    expiresAt
  }
}"""
CART = """{
  cartPromotions(customerId: "demo-loyal", includeSupplementary: true) {
    promotionId promotionName promotionStatus earnedStatus validTill
    restrictions { customer { kpi maxLimit remainingRedemption } }
    supplementaryCriteria { loyaltyProgramId programType }
  }
}"""
REDEEM = """mutation ($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) {
  __typename ... on Redemption { redemptionId } } }"""
EVENT = (
    """mutation ($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { id } }"""
)
OFFER_ID = """{ personalizedOffers(input: {customerId: "demo-b2c", externalUserId: "%s"}) {
  offers { id } } }"""
WARM_UP = 3
_unique = itertools.count()


def _redeem(_http: httpx.Client) -> dict[str, Any]:
    n = next(_unique)
    key = f"wire-{n}"
    redeem = {"customerId": "demo-loyal", "promotionId": "acme-free-shipping",
              "transactionId": key, "amount": "0.00", "idempotencyKey": key}  # fmt: skip
    return {"query": REDEEM, "variables": {"input": redeem}}


def _event(http: httpx.Client) -> dict[str, Any]:
    answer = http.post("/graphql", json={"query": OFFER_ID % f"wire-{next(_unique)}"}).json()
    return {
        "query": EVENT,
        "variables": {"id": answer["data"]["personalizedOffers"]["offers"][0]["id"]},
    }


OPERATIONS = {
    "personalizedOffers": lambda _http: {"query": OFFERS},
    "cartPromotions": lambda _http: {"query": CART},
    "redeemCartPromotion": _redeem,
    "recordOfferEvent": _event,
}


@pytest.fixture(scope="module")
def wire(server_dsn: str, template_database: str, tmp_path_factory: Any) -> Any:
    """(HTTP client on a gateway whose database is behind the counting proxy, the proxy)."""
    state: Path = tmp_path_factory.mktemp("wire")
    with (
        demo_database(server_dsn, template_database) as dsn,
        WireCounter(Upstream.from_dsn(dsn)) as proxy,
    ):
        env = {
            "DATABASE_URL": proxy.dsn(dsn),
            "GATEWAY_ENV": "development",
            "GATEWAY_DATA_DIR": str(state),
            "GATEWAY_POOL_MIN_SIZE": "4",
            "GATEWAY_POOL_MAX_SIZE": "4",
        }
        with (
            running_gateway(env, log=state / "serve.log") as (base, _process),
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            yield http, proxy, dsn


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_the_reported_round_trips_are_the_statements_postgresql_receives(
    wire: tuple[httpx.Client, WireCounter, str], name: str
) -> None:
    http, proxy, _dsn = wire
    make = OPERATIONS[name]
    for _ in range(WARM_UP):  # every statement prepared on every pooled connection it may use
        http.post("/graphql", json=make(http)).raise_for_status()
    body = make(http)
    before = proxy.counts()

    answer = http.post("/graphql", json=body).json()

    seen: Counter[str] = proxy.counts() - before
    assert "errors" not in answer, answer
    reported = answer["extensions"]["sqlRoundTrips"]
    assert reported > 0
    assert seen["statements"] + seen["simple"] == reported, (dict(seen), reported)
    assert seen["prepared"] == 0, dict(seen)


async def _new_key(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return await keys.create_key(conn, "wire", [Scope.READ], ["acme"])
    finally:
        await conn.close()


def test_the_proxy_sees_the_key_lookup_the_service_does_not_count(
    wire: tuple[httpx.Client, WireCounter, str],
) -> None:
    """The control: SQL sent past the counter shows. A key's first use is looked up straight
    through the pool (then cached for 10 s): one statement more than reported."""
    http, proxy, dsn = wire
    headers = {"Authorization": f"Bearer {asyncio.run(_new_key(dsn))}"}
    for _ in range(WARM_UP):
        http.post("/graphql", json={"query": CART}).raise_for_status()
    counts = []
    for _ in range(2):  # the first use looks the key up, the second finds it cached
        before = proxy.counts()
        answer = http.post("/graphql", json={"query": CART}, headers=headers).json()
        seen = proxy.counts() - before
        counts.append((seen["statements"] + seen["simple"], answer["extensions"]["sqlRoundTrips"]))

    [(first_seen, first_reported), (second_seen, second_reported)] = counts
    assert first_seen == first_reported + 1, counts
    assert second_seen == second_reported, counts
