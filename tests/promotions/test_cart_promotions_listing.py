"""Query.cartPromotions: who sees what, every field, statuses by the injected clock, batching."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from gateway.context import build_context
from gateway.operation.assembly import build_schema
from gateway.promotions.cart_listing import list_cart
from gateway.schema.promotions import promotion_criteria, promotion_restrictions
from gateway.settings import Settings
from tests.conftest import Gql
from tests.real_customers import copy_demo_customers

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

LIST_IDS = """
query ($customerId: ID!, $includeSupplementary: Boolean! = false, $status: [PromotionStatus!]) {
  cartPromotions(customerId: $customerId, includeSupplementary: $includeSupplementary,
                 status: $status) {
    promotionId
  }
}
"""

ALL_FIELDS = """
query ($customerId: ID!, $includeSupplementary: Boolean! = false) {
  cartPromotions(customerId: $customerId, includeSupplementary: $includeSupplementary) {
    promotionId promotionName validTill customerId earnedType earnedStatus promotionStatus
    milestoneId targetGroupId applicationMode customFieldValues eventTime
    restrictions {
      cart { ...limit } customer { ...limit } promotion { ...limit }
      product { ...limit } category { ...limit }
    }
    supplementaryCriteria { loyaltyProgramId programType partnerProgramId }
  }
}
fragment limit on Restriction { level kpi maxLimit remainingRedemption productSku categoryId }
"""

LOYAL_DEFAULT = [
    "acme-gold-tv",
    "acme-welcome10",
    "acme-birthday",
    "acme-five-orders",
    "acme-miles-bonus",
    "acme-flash-2025",
    "acme-paused",
    "acme-free-shipping",
]
NEVER_LISTED = {"acme-silver-pos", "acme-hotels-night", "acme-all-members", "acme-untagged-pos"}


def ids(data: dict[str, Any] | None) -> list[str]:
    assert data is not None
    return [p["promotionId"] for p in data["cartPromotions"]]


def by_id(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    assert data is not None
    return {p["promotionId"]: p for p in data["cartPromotions"]}


def limit(level: str, kpi: str, max_limit: str, remaining: str, **scope: str) -> dict[str, Any]:
    return {
        "level": level,
        "kpi": kpi,
        "maxLimit": max_limit,
        "remainingRedemption": remaining,
        "productSku": scope.get("productSku"),
        "categoryId": scope.get("categoryId"),
    }


async def test_lists_issued_and_tier_promotions_by_priority_in_one_round_trip(gql: Gql) -> None:
    result = await gql(LIST_IDS, {"customerId": "demo-loyal"}, now=NOW)

    assert result.errors is None
    assert ids(result.data) == LOYAL_DEFAULT
    assert result.extensions == {"sqlRoundTrips": 1}


async def test_supplementary_program_promotions_only_when_asked(gql: Gql) -> None:
    result = await gql(
        ALL_FIELDS, {"customerId": "demo-loyal", "includeSupplementary": True}, now=NOW
    )

    assert result.errors is None
    listed = by_id(result.data)
    assert set(listed) == {*LOYAL_DEFAULT, "acme-skymiles-2x"}
    assert not NEVER_LISTED & set(listed)
    skymiles = listed["acme-skymiles-2x"]
    assert skymiles["earnedType"] == "LOYALTY"
    assert skymiles["supplementaryCriteria"] == {
        "loyaltyProgramId": "acme-skymiles",
        "programType": "SUPPLEMENTARY",
        "partnerProgramId": "skyair-miles",
    }
    assert result.extensions == {"sqlRoundTrips": 3}


async def test_every_field_of_an_issued_promotion(gql: Gql) -> None:
    result = await gql(ALL_FIELDS, {"customerId": "demo-loyal"}, now=NOW)

    assert result.errors is None
    assert by_id(result.data)["acme-welcome10"] == {
        "promotionId": "acme-welcome10",
        "promotionName": "10% off your next order",
        "validTill": "2030-12-31T23:59:59+00:00",
        "customerId": "demo-loyal",
        "earnedType": "NONE",
        "earnedStatus": "UNLOCKED",
        "promotionStatus": "ACTIVE",
        "milestoneId": None,
        "targetGroupId": "tg-new-members",
        "applicationMode": "DISCOUNT",
        "customFieldValues": {"channel": "web", "badge": "NEW"},
        "eventTime": "2025-02-01T09:00:00+00:00",
        "restrictions": {
            # CART level: no cart is in question, so all of it remains.
            "cart": [
                limit("CART", "REDEMPTION", "1", "1"),
                limit("CART", "DISCOUNT", "25.00", "25.00"),
            ],
            "customer": [limit("CUSTOMER", "REDEMPTION", "3", "2")],
            "promotion": [limit("PROMOTION", "REDEMPTION", "1000", "999")],
            "product": [],
            "category": [],
        },
        "supplementaryCriteria": None,
    }


async def test_limits_at_product_and_category_level_and_no_limits(gql: Gql) -> None:
    result = await gql(ALL_FIELDS, {"customerId": "demo-loyal"}, now=NOW)

    listed = by_id(result.data)
    gold_tv = listed["acme-gold-tv"]
    assert gold_tv["earnedType"] == "TIER"
    assert gold_tv["validTill"] == "2030-12-31T23:59:59+00:00"
    assert gold_tv["restrictions"] == {
        "cart": [],
        "customer": [limit("CUSTOMER", "TRANSACTION", "5", "4")],
        "promotion": [],
        "product": [limit("PRODUCT", "DISCOUNT", "100.00", "60.00", productSku="SKU-TV-55")],
        "category": [limit("CATEGORY", "REDEMPTION", "2", "1", categoryId="electronics")],
    }
    assert listed["acme-free-shipping"]["restrictions"] is None
    assert listed["acme-miles-bonus"]["supplementaryCriteria"] == {
        "loyaltyProgramId": "acme-skymiles",
        "programType": "SUPPLEMENTARY",
        "partnerProgramId": "skyair-miles",
    }


async def test_active_with_nothing_remaining(gql: Gql) -> None:
    result = await gql(ALL_FIELDS, {"customerId": "demo-loyal"}, now=NOW)

    birthday = by_id(result.data)["acme-birthday"]
    assert birthday["promotionStatus"] == "ACTIVE"
    assert birthday["earnedStatus"] == "UNLOCKED"
    assert birthday["restrictions"]["customer"] == [limit("CUSTOMER", "REDEMPTION", "1", "0")]


async def test_statuses_follow_the_clock(gql: Gql) -> None:
    now = await gql(ALL_FIELDS, {"customerId": "demo-loyal"}, now=NOW)
    later = await gql(
        ALL_FIELDS, {"customerId": "demo-loyal"}, now=datetime(2030, 7, 1, tzinfo=UTC)
    )
    before = await gql(
        ALL_FIELDS, {"customerId": "demo-loyal"}, now=datetime(2024, 12, 1, tzinfo=UTC)
    )

    def statuses(data: dict[str, Any] | None, promotion: str) -> tuple[str, str]:
        found = by_id(data)[promotion]
        return found["promotionStatus"], found["earnedStatus"]

    assert statuses(now.data, "acme-flash-2025") == ("EXPIRED", "EXPIRED")
    assert statuses(now.data, "acme-paused") == ("INACTIVE", "UNLOCKED")
    assert statuses(now.data, "acme-five-orders") == ("ACTIVE", "LOCKED")
    # The customer's own validTill (2030-06-30) passes before the promotion ends.
    assert statuses(now.data, "acme-birthday") == ("ACTIVE", "UNLOCKED")
    assert statuses(later.data, "acme-birthday") == ("ACTIVE", "EXPIRED")
    # Not started yet.
    assert statuses(before.data, "acme-welcome10") == ("INACTIVE", "UNLOCKED")


async def test_status_filter(gql: Gql) -> None:
    expired = await gql(LIST_IDS, {"customerId": "demo-loyal", "status": ["EXPIRED"]}, now=NOW)
    running = await gql(
        LIST_IDS, {"customerId": "demo-loyal", "status": ["ACTIVE", "INACTIVE"]}, now=NOW
    )
    nothing = await gql(LIST_IDS, {"customerId": "demo-loyal", "status": []}, now=NOW)

    assert ids(expired.data) == ["acme-flash-2025"]
    assert ids(running.data) == [p for p in LOYAL_DEFAULT if p != "acme-flash-2025"]
    assert ids(nothing.data) == []


async def test_other_customers(gql: Gql) -> None:
    silver = await gql(LIST_IDS, {"customerId": "demo-b2c"}, now=NOW)
    unknown = await gql(LIST_IDS, {"customerId": "nobody-here"}, now=NOW)

    assert ids(silver.data) == ["acme-silver-pos"]
    assert unknown.errors is None
    assert ids(unknown.data) == []


async def test_an_expired_membership_hides_its_tier_promotions(
    gql: Gql, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "UPDATE loyalty_memberships SET expires_at = $1 WHERE customer_id = 'demo-loyal'",
        datetime(2025, 12, 31, tzinfo=UTC),
    )

    result = await gql(
        LIST_IDS, {"customerId": "demo-loyal", "includeSupplementary": True}, now=NOW
    )

    listed = set(ids(result.data))
    assert "acme-gold-tv" not in listed
    assert "acme-skymiles-2x" not in listed
    assert "acme-welcome10" in listed


@pytest.mark.parametrize(
    ("customer_id", "problem"),
    [
        ("", "customerId: must not be empty"),
        ("x" * 129, "customerId: must be at most 128 characters"),
        ("bad id!", "customerId: must start with a letter or digit"),
    ],
)
async def test_malformed_customer_id_is_bad_user_input(
    gql: Gql, customer_id: str, problem: str
) -> None:
    result = await gql(LIST_IDS, {"customerId": customer_id}, now=NOW)

    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    assert error.message.startswith(problem)
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": "customerId"}


async def _issue_many(pool: asyncpg.Pool, customer_id: str, count: int) -> None:
    """A new customer with ``count`` issued promotions, two limits each, some via SkyMiles."""
    await pool.execute("INSERT INTO customers (customer_id) VALUES ($1)", customer_id)
    await pool.execute(
        "INSERT INTO customer_brands (customer_id, brand_id) VALUES ($1, 'acme')", customer_id
    )
    await pool.execute(
        "INSERT INTO loyalty_memberships (customer_id, program_id) VALUES ($1, 'acme-skymiles')",
        customer_id,
    )
    await pool.execute(
        """
        WITH made AS (
            INSERT INTO promotions (promotion_id, brand_id, name, kind)
            SELECT 'bulk-' || i, 'acme', 'Bulk ' || i, 'issued' FROM generate_series(1, $2) i
            RETURNING promotion_id
        ), limits AS (
            INSERT INTO promotion_restrictions (promotion_id, level, kpi, max_limit)
            SELECT promotion_id, level::promotion_restriction_level, 'redemption', 5
            FROM made, unnest(ARRAY['customer', 'promotion']) level
        )
        INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time,
                                         supplementary_program_id, supplementary_type)
        SELECT $1, promotion_id, 'acme', now(),
               CASE WHEN right(promotion_id, 1) = '0' THEN 'acme-skymiles' END,
               CASE WHEN right(promotion_id, 1) = '0' THEN 'supplementary'::loyalty_program_type END
        FROM made
        """,
        customer_id,
        count,
    )


@pytest.mark.parametrize("count", [1, 10, 200])
async def test_round_trips_do_not_grow_with_the_number_of_promotions(
    gql: Gql, pool: asyncpg.Pool, count: int
) -> None:
    await _issue_many(pool, "bulk-customer", count)

    listing = await gql(LIST_IDS, {"customerId": "bulk-customer"}, now=NOW)
    everything = await gql(ALL_FIELDS, {"customerId": "bulk-customer"}, now=NOW)

    assert len(ids(listing.data)) == count
    assert listing.extensions == {"sqlRoundTrips": 1}
    assert everything.errors is None
    assert all(p["restrictions"] for p in by_id(everything.data).values())
    # Listing, restrictions, and supplementary programs (only when one is referenced).
    assert everything.extensions == {"sqlRoundTrips": 3 if count >= 10 else 2}


async def test_a_hundred_real_customers_share_one_listing_query(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    async with pool.acquire() as conn:
        customers = await copy_demo_customers(conn, 100)
    ctx = build_context(pool, settings, clock=lambda: NOW)
    bare = {"with_restrictions": False, "with_programs": False}
    alone = await list_cart(
        build_context(pool, settings, clock=lambda: NOW), "demo-loyal", False, None, **bare
    )

    listings = await asyncio.gather(*(list_cart(ctx, c, False, None, **bare) for c in customers))

    assert ctx.db.round_trips.count == 1
    assert len(alone) > 1
    for customer, listing in zip(customers, listings, strict=True):
        assert [p.promotion_id for p in listing] == [p.promotion_id for p in alone], customer


THROUGH_FRAGMENTS = """
query ($customerId: ID!) {
  cartPromotions(customerId: $customerId, includeSupplementary: true) {
    ...promotion
    ... on CartPromotion { program: supplementaryCriteria { loyaltyProgramId } }
  }
}
fragment promotion on CartPromotion {
  promotionId
  limits: restrictions { customer { kpi remainingRedemption } }
}
"""


async def test_fields_selected_through_fragments_and_aliases_load_in_one_batch_each(
    gql: Gql,
) -> None:
    direct = await gql(ALL_FIELDS, {"customerId": "demo-loyal", "includeSupplementary": True})
    result = await gql(THROUGH_FRAGMENTS, {"customerId": "demo-loyal"})

    assert result.errors is None
    assert result.extensions == {"sqlRoundTrips": 3}
    expected = by_id(direct.data)
    for promotion_id, promotion in by_id(result.data).items():
        restrictions = expected[promotion_id]["restrictions"]
        criteria = expected[promotion_id]["supplementaryCriteria"]
        assert promotion["limits"] == (
            None
            if restrictions is None
            else {
                "customer": [
                    {"kpi": r["kpi"], "remainingRedemption": r["remainingRedemption"]}
                    for r in restrictions["customer"]
                ]
            }
        )
        assert promotion["program"] == (
            None if criteria is None else {"loyaltyProgramId": criteria["loyaltyProgramId"]}
        )
    assert any(p["limits"] for p in by_id(result.data).values())
    assert any(p["program"] for p in by_id(result.data).values())


async def test_promotions_listed_without_preloading_still_resolve_their_fields(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    ctx = build_context(pool, settings, clock=lambda: NOW)
    preloaded = await list_cart(
        ctx, "demo-loyal", True, None, with_restrictions=True, with_programs=True
    )
    bare = await list_cart(
        ctx, "demo-loyal", True, None, with_restrictions=False, with_programs=False
    )
    info: Any = SimpleNamespace(context=ctx)
    restrictions = promotion_restrictions
    criteria = promotion_criteria

    async def resolved(value: Any) -> Any:  # a resolver returns a value or an awaitable
        return await value if inspect.isawaitable(value) else value

    assert [p.promotion_id for p in bare] == [p.promotion_id for p in preloaded]
    assert all(p.limits is None and not p.program_read for p in bare)
    for plain, loaded in zip(bare, preloaded, strict=True):
        assert await resolved(restrictions(plain, info)) == restrictions(loaded, info)
        assert await resolved(criteria(plain, info)) == criteria(loaded, info)
    assert any(criteria(p, info) for p in preloaded)


WITH_IDS = """
query ($customerId: ID!) {
  cartPromotions(customerId: $customerId, includeSupplementary: true) {
    id promotionId promotionName validTill customerId earnedType earnedStatus promotionStatus
    milestoneId targetGroupId applicationMode customFieldValues eventTime
    restrictions {
      id cart { ...limit } customer { ...limit } promotion { ...limit }
      product { ...limit } category { ...limit }
    }
    supplementaryCriteria { id loyaltyProgramId programType partnerProgramId }
  }
}
fragment limit on Restriction { id level kpi maxLimit remainingRedemption productSku categoryId }
"""


async def test_a_listing_with_ids_reads_attributes_and_three_resolvers(gql: Gql) -> None:
    # Besides the listing, only the two fields read with the list (restrictions,
    # supplementaryCriteria) go through the runner's resolver path, and answer from what was
    # read; the limits' ids are functions of their records, called inline.
    plan = build_schema().compiled
    assert plan is not None
    lines = plan.plan_text(WITH_IDS).splitlines()
    resolvers = [line for line in lines if "resolver" in line and "called inline" not in line]
    inline = [line.split(":")[0].strip() for line in lines if "called inline" in line]

    result = await gql(WITH_IDS, {"customerId": "demo-loyal"}, now=NOW)

    assert [line.split(":")[0].strip() for line in resolvers] == [
        "cartPromotions",
        "restrictions",
        "supplementaryCriteria",
    ]
    # CartPromotion.id, PromotionRestrictions.id, each level's Restriction.id, then the program's
    assert inline == ["id"] * 7 + ["id", "loyaltyProgramId"]
    assert result.errors is None and result.data is not None
    assert len(result.data["cartPromotions"]) == 9
    assert result.extensions == {"sqlRoundTrips": 3}
