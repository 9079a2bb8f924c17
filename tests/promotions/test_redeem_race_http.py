"""All or nothing across every limit of one promotion, raced over HTTP against ``gateway serve``.

One promotion carries a limit at every level at once (CART, CUSTOMER by TRANSACTION, PRODUCT,
CATEGORY, and two PROMOTION limits), several customers send many redemptions at the same time
through real sockets, and afterwards:
- no limit is exceeded, for any customer, cart, product or category;
- the usage counters are exactly what the ledger of redeemed rows says (nothing half-counted);
- every refusal names a limit that truly had no room for that attempt, and the ledger stored that
  same limit with it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.promotions.test_redeem_concurrency import COUNTERS_OFF_THE_LEDGER
from tests.serving import running_gateway

CUSTOMERS = 6
ATTEMPTS_PER_CUSTOMER = 20
AMOUNT = Decimal("3.00")

SETUP = """
INSERT INTO promotions (promotion_id, brand_id, name, kind) VALUES
    ('race-multi', 'acme', 'Every limit at once', 'issued');
INSERT INTO promotion_restrictions (promotion_id, level, kpi, max_limit, product_sku, category_id)
VALUES ('race-multi', 'cart', 'redemption', 2, NULL, NULL),
       ('race-multi', 'customer', 'transaction', 3, NULL, NULL),
       ('race-multi', 'product', 'discount', 7.00, 'SKU-A', NULL),
       ('race-multi', 'category', 'redemption', 2, NULL, 'shoes'),
       ('race-multi', 'promotion', 'redemption', 15, NULL, NULL),
       ('race-multi', 'promotion', 'discount', 42.00, NULL, NULL);
INSERT INTO customers (customer_id) SELECT 'racer-' || i FROM generate_series(0, $1 - 1) AS i;
INSERT INTO customer_brands (customer_id, brand_id)
    SELECT 'racer-' || i, 'acme' FROM generate_series(0, $1 - 1) AS i;
INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time)
    SELECT 'racer-' || i, 'race-multi', 'acme', now() FROM generate_series(0, $1 - 1) AS i;
"""

REDEEM = """mutation ($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) {
  __typename
  ... on RedemptionRejected { code restriction { level kpi remainingRedemption productSku
                                                 categoryId } } } }"""

# Every limit against the ledger: a row means a limit was exceeded for some scope.
EXCEEDED = """
SELECT r.level::text, r.kpi::text, l.customer_id, l.scope_key, l.used, r.max_limit
FROM restriction_usage_from_ledger l JOIN promotion_restrictions r USING (restriction_id)
WHERE r.promotion_id = 'race-multi' AND l.used > r.max_limit
"""


def _attempt(customer: int, k: int) -> dict[str, Any]:
    """Attempt k of a customer: 3 carts, 4 transactions, SKU-A every 2nd time, shoes every 3rd."""
    return {
        "customerId": f"racer-{customer}",
        "promotionId": "race-multi",
        "transactionId": f"t-{k % 4}",
        "cartId": f"cart-{k % 3}",
        "amount": str(AMOUNT),
        "productSku": "SKU-A" if k % 2 == 0 else None,
        "categoryId": "shoes" if k % 3 == 0 else None,
        "idempotencyKey": f"race-{customer}-{k}",
    }


def _need(kpi: str) -> Decimal:
    """What one attempt needs of a limit that refused it (a refused TRANSACTION was a new one)."""
    return AMOUNT if kpi == "DISCOUNT" else Decimal(1)


async def test_concurrent_redemptions_against_every_limit_at_once(
    database_dsn: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        for statement in SETUP.strip().split(";\n"):
            args = [CUSTOMERS] if "$1" in statement else []
            await conn.execute(statement, *args)
    finally:
        await conn.close()
    attempts = [_attempt(c, k) for c in range(CUSTOMERS) for k in range(ATTEMPTS_PER_CUSTOMER)]
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "30",
    }

    limits = httpx.Limits(max_connections=len(attempts))
    with running_gateway(env, log=tmp_path / "serve.log") as (base, _process):
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            responses = await asyncio.gather(
                *(
                    http.post("/graphql", json={"query": REDEEM, "variables": {"input": a}})
                    for a in attempts
                )
            )

    answers = [r.json() for r in responses]
    assert [a.get("errors") for a in answers] == [None] * len(attempts)
    results = [a["data"]["redeemCartPromotion"] for a in answers]
    outcomes = Counter(r.get("code", r["__typename"]) for r in results)
    assert set(outcomes) == {"Redemption", "LIMIT_REACHED"}, outcomes

    refused_by: Counter[str] = Counter()
    for result in results:
        if result["__typename"] == "RedemptionRejected":
            limit = result["restriction"]
            assert limit is not None, "a LIMIT_REACHED names its limit"
            assert Decimal(limit["remainingRedemption"]) < _need(limit["kpi"])
            refused_by[limit["level"]] += 1

    conn = await asyncpg.connect(database_dsn)
    try:
        exceeded = await conn.fetch(EXCEEDED)
        off_the_ledger = await conn.fetch(COUNTERS_OFF_THE_LEDGER)
        ledger = await conn.fetch(
            "SELECT d.outcome::text, r.level::text AS refused_level"
            " FROM redemptions d LEFT JOIN promotion_restrictions r"
            " ON r.restriction_id = d.rejected_restriction_id"
            " WHERE d.promotion_id = 'race-multi'"
        )
    finally:
        await conn.close()

    assert exceeded == [], "no limit may be exceeded"
    assert off_the_ledger == [], "the usage counters must equal the ledger"
    assert Counter(r["outcome"] for r in ledger) == {
        "redeemed": outcomes["Redemption"],
        "limit_reached": outcomes["LIMIT_REACHED"],
    }
    assert Counter(r["refused_level"].upper() for r in ledger if r["refused_level"]) == refused_by
    # The customers together could redeem far more: the promotion's discount budget (42.00 at
    # 3.00 each) binds, and once it refused someone it was spent to the last cent.
    assert refused_by["PROMOTION"] > 0
    assert outcomes["Redemption"] == 14
    assert len(refused_by) >= 3, f"several levels should have refused attempts: {refused_by}"
