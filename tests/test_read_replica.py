"""DATABASE_READ_URL: queries read from the replica; mutations write and read the primary.

Two databases stand in for a primary and its replica: the "replica" copy is changed so that
every answer shows which one it came from.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gateway.settings import Settings
from tests.conftest import _admin, http_client
from tests.dsn import dsn_with_database

REPLICA_NAME = "Welcome (from the replica)"
CART = '{ cartPromotions(customerId: "demo-loyal") { promotionId promotionName } }'
EARN = """mutation { earnCartPromotion(input: { customerId: "demo-loyal",
  promotionId: "acme-five-orders", earnedType: REWARD }) {
  cartPromotion { promotionId promotionName } } }"""


@pytest.fixture
async def replica_dsn(server_dsn: str, template_database: str) -> AsyncIterator[str]:
    name = f"gateway_replica_{os.getpid()}"
    await _admin(
        server_dsn,
        f'DROP DATABASE IF EXISTS "{name}"',
        f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"',
    )
    dsn = dsn_with_database(server_dsn, name)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE promotions SET name = $1", REPLICA_NAME)
    finally:
        await conn.close()
    yield dsn
    await _admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _post(settings: Settings, query: str) -> dict[str, Any]:
    async with http_client(settings) as http:
        body: dict[str, Any] = (await http.post("/graphql", json={"query": query})).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_queries_read_the_replica(settings: Settings, replica_dsn: str) -> None:
    routed = settings.model_copy(update={"database_read_url": replica_dsn})

    data = await _post(routed, CART)

    names = {p["promotionName"] for p in data["cartPromotions"]}
    assert names == {REPLICA_NAME}


async def test_another_sessions_open_transaction_does_not_send_reads_to_the_primary(
    settings: Settings, replica_dsn: str, pool: asyncpg.Pool
) -> None:
    routed = settings.model_copy(update={"database_read_url": replica_dsn})
    async with pool.acquire() as other:
        held = other.transaction()
        await held.start()
        try:
            await other.fetchval("SELECT pg_current_xact_id()")  # holds every snapshot's xmin
            await pool.fetchval("SELECT pg_current_xact_id()")  # a later one finishes
            data = await _post(routed, CART)
        finally:
            await held.rollback()

    names = {p["promotionName"] for p in data["cartPromotions"]}
    assert names == {REPLICA_NAME}


async def test_mutations_write_and_read_the_primary(
    settings: Settings, replica_dsn: str, pool: asyncpg.Pool
) -> None:
    routed = settings.model_copy(update={"database_read_url": replica_dsn})

    data = await _post(routed, EARN)

    assert data["earnCartPromotion"]["cartPromotion"]["promotionName"] != REPLICA_NAME
    on_primary = await pool.fetchval(
        "SELECT event_time > now() - interval '1 minute' FROM customer_promotions"
        " WHERE customer_id = 'demo-loyal' AND promotion_id = 'acme-five-orders'"
    )
    replica = await asyncpg.connect(replica_dsn)
    try:
        on_replica = await replica.fetchval(
            "SELECT event_time > now() - interval '1 minute' FROM customer_promotions"
            " WHERE customer_id = 'demo-loyal' AND promotion_id = 'acme-five-orders'"
        )
    finally:
        await replica.close()
    assert on_primary is True, "the earn was written to the primary"
    assert on_replica is not True, "and not to the replica"


REDEEM = """mutation { redeemCartPromotion(input: { customerId: "demo-loyal",
  promotionId: "acme-welcome10", transactionId: "t-replica", amount: "1.00",
  idempotencyKey: "replica-1" }) {
  ... on Redemption { cartPromotion { promotionName restrictions { customer {
    remainingRedemption } } } } } }"""
ISSUE = """mutation { issueCartPromotion(promotionId: "acme-welcome10",
  customerIds: ["demo-b2c", "demo-loyal"]) { cartPromotions { promotionName } } }"""


@pytest.mark.parametrize("query", [REDEEM, ISSUE])
async def test_what_a_mutation_returns_is_read_on_the_primary(
    settings: Settings, replica_dsn: str, query: str
) -> None:
    routed = settings.model_copy(update={"database_read_url": replica_dsn})

    data = await _post(routed, query)

    [payload] = data.values()
    promotions = payload.get("cartPromotions") or [payload["cartPromotion"]]
    assert promotions and all(p["promotionName"] != REPLICA_NAME for p in promotions)
    if "cartPromotion" in payload:  # the redemption counted: 2 left before, 1 now
        assert payload["cartPromotion"]["restrictions"]["customer"][0]["remainingRedemption"] == "1"
