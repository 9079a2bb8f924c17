"""Fifty accepts of fifty distinct decisions for one customer, at once, against an accept limit
of one: exactly one is accepted, over HTTP to a real ``gateway serve``, and the database agrees."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.serving import running_gateway

ACCEPTS = 50
OFFERS = """query ($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) {
  offers { id offerId play { id } } } }"""
ACCEPT = """mutation ($id: ID!) {
  createOfferFulfillment(personalizedOfferId: $id, optionId: "learn-more") { id status } }"""
PLAY = "acme-annual-upgrade"  # demo-b2c's offer; max_accepts_per_customer: 1 in the demo data


async def _decisions(http: httpx.AsyncClient) -> list[str]:
    """ACCEPTS distinct decision tokens of PLAY for demo-b2c (one end user each)."""
    tokens: list[str] = []
    for user in range(ACCEPTS):
        answer = await http.post(
            "/graphql",
            json={"query": OFFERS, "variables": {"i": {"customerId": "demo-b2c",
                                                       "externalUserId": f"race-{user}"}}},
        )  # fmt: skip
        [offer] = answer.json()["data"]["personalizedOffers"]["offers"]
        assert offer["play"]["id"] == PLAY
        tokens.append(offer["id"])
    assert len(set(tokens)) == ACCEPTS
    return tokens


async def test_concurrent_accepts_of_distinct_decisions_respect_an_accept_limit_of_one(
    database_dsn: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        limit = await conn.fetchval(
            "SELECT max_accepts_per_customer FROM plays WHERE play_id = $1", PLAY
        )
    finally:
        await conn.close()
    assert limit == 1
    # The accepts queue on the customer's lock, one transaction at a time: on a loaded machine
    # the last may wait longer for a connection than the default 5 s, which is not under test.
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "30",
    }
    with running_gateway(env) as (base, _process):
        limits = httpx.Limits(max_connections=ACCEPTS)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            tokens = await _decisions(http)
            gate = asyncio.Event()

            async def accept(token: str) -> Any:
                await gate.wait()
                response = await http.post(
                    "/graphql", json={"query": ACCEPT, "variables": {"id": token}}
                )
                assert response.status_code == 200, response.text
                return response.json()

            racing = [asyncio.create_task(accept(t)) for t in tokens]
            await asyncio.sleep(0.1)  # every task waits at the gate
            gate.set()
            answers = await asyncio.gather(*racing)

    accepted = [a for a in answers if "errors" not in a]
    refused = [a["errors"][0]["extensions"]["code"] for a in answers if "errors" in a]
    assert len(accepted) == 1, answers
    assert accepted[0]["data"]["createOfferFulfillment"]["status"] == "IN_PROGRESS"
    assert refused == ["LIMIT_EXCEEDED"] * (ACCEPTS - 1)
    conn = await asyncpg.connect(database_dsn)
    try:
        fulfillments = await conn.fetchval(
            "SELECT count(*) FROM offer_fulfillments WHERE customer_id = 'demo-b2c'"
            " AND play_id = $1",
            PLAY,
        )
        accepted_events = await conn.fetchval(
            "SELECT count(*) FROM offer_events WHERE customer_id = 'demo-b2c' AND play_id = $1"
            " AND type = 'accepted'",
            PLAY,
        )
    finally:
        await conn.close()
    assert (fulfillments, accepted_events) == (1, 1)
