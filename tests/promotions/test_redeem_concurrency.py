"""No limit is ever exceeded: 200 redemptions at once, each its own request and connection."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from gateway.context import build_context
from gateway.db import create_pool
from gateway.operation.assembly import build_schema
from gateway.settings import Settings, load_settings
from tests.conftest import Gql

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ATTEMPTS = 200

REDEEM = """
mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) {
    __typename
    ... on RedemptionRejected { code restriction { level remainingRedemption } }
  }
}
"""

ISSUE = """
mutation ($promotionId: ID!, $customerIds: [ID!]!) {
  issueCartPromotion(promotionId: $promotionId, customerIds: $customerIds) { issuedCustomerIds }
}
"""

# Counters that differ from what the ledger says they should be.
COUNTERS_OFF_THE_LEDGER = """
(SELECT restriction_id, customer_id, scope_key, used FROM restriction_usage_from_ledger
 EXCEPT
 SELECT restriction_id, NULL, '', used FROM promotion_restriction_usage WHERE used > 0
 EXCEPT
 SELECT restriction_id, customer_id, scope_key, used FROM customer_restriction_usage)
UNION ALL
(SELECT restriction_id, NULL, '', used FROM promotion_restriction_usage WHERE used > 0
 UNION ALL
 SELECT restriction_id, customer_id, scope_key, used FROM customer_restriction_usage
 EXCEPT
 SELECT restriction_id, customer_id, scope_key, used FROM restriction_usage_from_ledger)
"""


@pytest.fixture
def wide_settings(database_dsn: str, tmp_path: Path) -> Settings:
    """Settings for real contention: 40 connections, patient enough for 200 callers."""
    return load_settings(
        database_url=database_dsn, data_dir=tmp_path, pool_max_size=40, pool_acquire_timeout_s=60
    )


@pytest.fixture
async def wide_pool(database_dsn: str, wide_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on ``wide_settings``."""
    pool = await create_pool(database_dsn, wide_settings)
    try:
        yield pool
    finally:
        await pool.close()


async def _race(
    pool: asyncpg.Pool, settings: Settings, requests: list[dict[str, Any]]
) -> Counter[str]:
    """Run every request at once, each as its own GraphQL request; count the outcomes."""
    schema = build_schema(settings)

    async def one(request: dict[str, Any]) -> str:
        context = build_context(pool, settings, clock=lambda: NOW)
        result = await schema.execute(REDEEM, {"input": request}, context_value=context)
        assert result.errors is None, result.errors
        assert result.data is not None
        outcome = result.data["redeemCartPromotion"]
        return str(outcome.get("code", outcome["__typename"]))

    started = time.perf_counter()
    outcomes = Counter(await asyncio.gather(*(one(r) for r in requests)))
    print(f"{len(requests)} concurrent redemptions in {time.perf_counter() - started:.2f}s")
    return outcomes


async def _promotion(pool: asyncpg.Pool, level: str, kpi: str, max_limit: str) -> None:
    await pool.execute(
        "INSERT INTO promotions (promotion_id, brand_id, name, kind) "
        "VALUES ('race', 'acme', 'Race', 'issued')"
    )
    await pool.execute(
        "INSERT INTO promotion_restrictions (promotion_id, level, kpi, max_limit) "
        "VALUES ('race', $1, $2, $3::numeric)",
        level,
        kpi,
        max_limit,
    )


async def _customers(pool: asyncpg.Pool, gql: Gql, count: int) -> list[str]:
    customers = [f"racer-{i}" for i in range(count)]
    await pool.executemany(
        "INSERT INTO customers (customer_id) VALUES ($1)", [(c,) for c in customers]
    )
    await pool.executemany(
        "INSERT INTO customer_brands (customer_id, brand_id) VALUES ($1, 'acme')",
        [(c,) for c in customers],
    )
    issued = await gql(ISSUE, {"promotionId": "race", "customerIds": customers}, now=NOW)
    assert issued.errors is None
    assert issued.data is not None
    assert len(issued.data["issueCartPromotion"]["issuedCustomerIds"]) == count
    return customers


def _request(customer_id: str, i: int, amount: str = "1.00") -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "promotionId": "race",
        "transactionId": f"race-txn-{i}",
        "amount": amount,
        "idempotencyKey": f"race-{i}",
    }


async def _assert_ledger_matches_counters(pool: asyncpg.Pool, redeemed: int) -> None:
    ledger = await pool.fetchval(
        "SELECT count(*) FROM redemptions WHERE promotion_id = 'race' AND outcome = 'redeemed'"
    )
    assert ledger == redeemed
    assert await pool.fetch(COUNTERS_OFF_THE_LEDGER) == []


async def test_customer_limit_under_200_concurrent_redemptions(
    wide_pool: asyncpg.Pool, wide_settings: Settings, gql: Gql
) -> None:
    await _promotion(wide_pool, "customer", "redemption", "10")
    [customer] = await _customers(wide_pool, gql, 1)

    outcomes = await _race(
        wide_pool, wide_settings, [_request(customer, i) for i in range(ATTEMPTS)]
    )

    assert outcomes == {"Redemption": 10, "LIMIT_REACHED": ATTEMPTS - 10}
    await _assert_ledger_matches_counters(wide_pool, 10)


async def test_promotion_limit_under_200_concurrent_redemptions(
    wide_pool: asyncpg.Pool, wide_settings: Settings, gql: Gql
) -> None:
    await _promotion(wide_pool, "promotion", "redemption", "10")
    customers = await _customers(wide_pool, gql, ATTEMPTS)

    outcomes = await _race(
        wide_pool, wide_settings, [_request(c, i) for i, c in enumerate(customers)]
    )

    assert outcomes == {"Redemption": 10, "LIMIT_REACHED": ATTEMPTS - 10}
    await _assert_ledger_matches_counters(wide_pool, 10)


async def test_shared_discount_budget_under_200_concurrent_redemptions(
    wide_pool: asyncpg.Pool, wide_settings: Settings, gql: Gql
) -> None:
    await _promotion(wide_pool, "promotion", "discount", "100.00")
    customers = await _customers(wide_pool, gql, ATTEMPTS)

    outcomes = await _race(
        wide_pool, wide_settings, [_request(c, i, amount="7.00") for i, c in enumerate(customers)]
    )

    assert outcomes == {"Redemption": 14, "LIMIT_REACHED": ATTEMPTS - 14}
    assert (
        await wide_pool.fetchval(
            "SELECT sum(used) FROM promotion_restriction_usage "
            "JOIN promotion_restrictions USING (restriction_id) "
            "WHERE promotion_id = 'race'"
        )
        == 98
    )
    await _assert_ledger_matches_counters(wide_pool, 14)


async def test_concurrent_retries_of_one_key_count_once(
    wide_pool: asyncpg.Pool, wide_settings: Settings, gql: Gql
) -> None:
    await _promotion(wide_pool, "customer", "redemption", "10")
    [customer] = await _customers(wide_pool, gql, 1)

    outcomes = await _race(wide_pool, wide_settings, [_request(customer, 0)] * 50)

    assert outcomes == {"Redemption": 50}
    await _assert_ledger_matches_counters(wide_pool, 1)
