"""Mutation.redeemCartPromotion: who may redeem, every limit level and kpi, idempotency, input."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Gql

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

REDEEM = """
mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) {
    __typename
    ... on Redemption {
      redemptionId customerId promotionId transactionId cartId amount productSku categoryId
      idempotencyKey redeemedAt replayed
      restrictions {
        cart { ...limit } customer { ...limit } promotion { ...limit }
        product { ...limit } category { ...limit }
      }
    }
    ... on RedemptionRejected { code message idempotencyKey replayed restriction { ...limit } }
  }
}
fragment limit on Restriction { level kpi maxLimit remainingRedemption productSku categoryId }
"""

_keys = itertools.count(1)


def attempt(promotion_id: str, **fields: Any) -> dict[str, Any]:
    """A redemption request for demo-loyal with a fresh key and transaction, unless given."""
    n = next(_keys)
    return {
        "customerId": "demo-loyal",
        "promotionId": promotion_id,
        "transactionId": f"txn-{n}",
        "amount": "5.00",
        "idempotencyKey": f"key-{n}",
        **fields,
    }


async def redeem(gql: Gql, now: datetime = NOW, **request: Any) -> dict[str, Any]:
    result = await gql(REDEEM, {"input": request}, now=now)
    assert result.errors is None, result.errors
    assert result.data is not None
    outcome: dict[str, Any] = result.data["redeemCartPromotion"]
    return outcome


def remaining(outcome: dict[str, Any], level: str) -> list[str]:
    return [r["remainingRedemption"] for r in outcome["restrictions"][level]]


async def test_a_redemption_counts_against_every_applicable_limit(gql: Gql) -> None:
    request = attempt("acme-welcome10", cartId="cart-9", amount="9.5")
    result = await gql(REDEEM, {"input": request}, now=NOW)

    assert result.errors is None
    assert result.data is not None
    done = result.data["redeemCartPromotion"]
    assert done["__typename"] == "Redemption"
    assert done["amount"] == "9.50"
    assert done["cartId"] == "cart-9"
    assert done["redeemedAt"] == "2026-01-15T12:00:00+00:00"
    assert done["replayed"] is False
    assert remaining(done, "customer") == ["1"]
    assert remaining(done, "promotion") == ["998"]
    # Lock customer, prior attempt, holding, limits, shared counters, write; then restrictions.
    assert result.extensions == {"sqlRoundTrips": 7}


async def test_cart_limits_count_per_cart(gql: Gql) -> None:
    first = await redeem(gql, **attempt("acme-welcome10", cartId="cart-a"))
    second = await redeem(gql, **attempt("acme-welcome10", cartId="cart-a"))
    other_cart = await redeem(gql, **attempt("acme-welcome10", cartId="cart-b"))

    assert first["__typename"] == "Redemption"
    assert second["__typename"] == "RedemptionRejected"
    assert second["code"] == "LIMIT_REACHED"
    assert second["restriction"] == {
        "level": "CART",
        "kpi": "REDEMPTION",
        "maxLimit": "1",
        "remainingRedemption": "0",
        "productSku": None,
        "categoryId": None,
    }
    assert other_cart["__typename"] == "Redemption"


async def test_discount_limits_sum_the_amounts(gql: Gql) -> None:
    # acme-gold-tv: up to 100.00 off SKU-TV-55 for this customer, 40.00 used already.
    tv = {"productSku": "SKU-TV-55"}
    first = await redeem(gql, **attempt("acme-gold-tv", amount="35", **tv))
    too_much = await redeem(gql, **attempt("acme-gold-tv", amount="25.01", **tv))
    exactly = await redeem(gql, **attempt("acme-gold-tv", amount="25.00", **tv))
    other_product = await redeem(gql, **attempt("acme-gold-tv", amount="80", productSku="SKU-X"))

    assert remaining(first, "product") == ["25.00"]
    assert too_much["code"] == "LIMIT_REACHED"
    assert too_much["restriction"]["level"] == "PRODUCT"
    assert too_much["restriction"]["remainingRedemption"] == "25.00"
    assert remaining(exactly, "product") == ["0.00"]
    assert other_product["__typename"] == "Redemption"


async def test_category_limit_applies_to_its_category_only(gql: Gql) -> None:
    # acme-gold-tv: 2 redemptions in "electronics", 1 used.
    first = await redeem(gql, **attempt("acme-gold-tv", categoryId="electronics"))
    second = await redeem(gql, **attempt("acme-gold-tv", categoryId="electronics"))
    elsewhere = await redeem(gql, **attempt("acme-gold-tv", categoryId="garden"))

    assert remaining(first, "category") == ["0"]
    assert second["code"] == "LIMIT_REACHED"
    assert second["restriction"]["categoryId"] == "electronics"
    assert elsewhere["__typename"] == "Redemption"


async def test_transaction_limits_count_distinct_transactions(gql: Gql) -> None:
    # acme-gold-tv: 5 transactions for this customer, 1 used.
    same = [await redeem(gql, **attempt("acme-gold-tv", transactionId="t-1")) for _ in range(2)]
    others = [await redeem(gql, **attempt("acme-gold-tv")) for _ in range(3)]
    one_too_many = await redeem(gql, **attempt("acme-gold-tv"))
    again_in_t1 = await redeem(gql, **attempt("acme-gold-tv", transactionId="t-1"))

    assert [remaining(r, "customer") for r in same] == [["3"], ["3"]]
    assert remaining(others[-1], "customer") == ["0"]
    assert one_too_many["code"] == "LIMIT_REACHED"
    assert one_too_many["restriction"]["kpi"] == "TRANSACTION"
    assert again_in_t1["__typename"] == "Redemption"


async def test_active_with_nothing_remaining_is_refused(gql: Gql) -> None:
    refused = await redeem(gql, **attempt("acme-birthday"))

    assert refused["code"] == "LIMIT_REACHED"
    assert refused["restriction"]["level"] == "CUSTOMER"
    assert refused["restriction"]["remainingRedemption"] == "0"


async def test_retry_with_the_same_key_returns_the_first_result_and_counts_once(gql: Gql) -> None:
    request = attempt("acme-welcome10")
    first = await redeem(gql, **request)
    retry = await redeem(gql, datetime(2026, 2, 1, tzinfo=UTC), **request)

    assert retry["replayed"] is True
    assert {**retry, "replayed": False} == first
    assert remaining(retry, "customer") == ["1"]


async def test_a_refusal_is_replayed_too(gql: Gql) -> None:
    request = attempt("acme-birthday")
    first = await redeem(gql, **request)
    retry = await redeem(gql, **request)

    assert first["code"] == retry["code"] == "LIMIT_REACHED"
    assert retry["restriction"] == first["restriction"]
    assert (first["replayed"], retry["replayed"]) == (False, True)


async def test_same_key_with_another_request_is_a_conflict(gql: Gql) -> None:
    request = attempt("acme-welcome10")
    await redeem(gql, **request)

    result = await gql(REDEEM, {"input": {**request, "amount": "6.00"}}, now=NOW)

    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    assert error.message.startswith("idempotencyKey:")
    assert error.extensions == {"code": "CONFLICT", "field": "idempotencyKey"}


@pytest.mark.parametrize(
    ("promotion_id", "now", "code"),
    [
        ("acme-flash-2025", NOW, "EXPIRED"),
        ("acme-welcome10", datetime(2031, 1, 1, tzinfo=UTC), "EXPIRED"),
        ("acme-free-shipping", NOW, "Redemption"),
        ("acme-paused", NOW, "NOT_ACTIVE"),
        ("acme-welcome10", datetime(2024, 12, 31, tzinfo=UTC), "NOT_ACTIVE"),
        ("acme-five-orders", NOW, "LOCKED"),
        ("acme-silver-pos", NOW, "NOT_ISSUED"),
        ("acme-all-members", NOW, "NOT_ISSUED"),
        ("acme-untagged-pos", NOW, "NOT_ISSUED"),
        ("no-such-promotion", NOW, "NOT_ISSUED"),
        # Supplementary-program promotions are redeemable (listing them is what is optional).
        ("acme-skymiles-2x", NOW, "Redemption"),
    ],
)
async def test_who_may_redeem_what_when(
    gql: Gql, promotion_id: str, now: datetime, code: str
) -> None:
    outcome = await redeem(gql, now, **attempt(promotion_id))

    assert outcome.get("code", outcome["__typename"]) == code


async def test_expiry_of_the_customers_valid_till_by_the_clock(gql: Gql) -> None:
    # acme-birthday: the customer's validTill is 2030-06-30, the promotion runs until 2030-12-31.
    outcome = await redeem(gql, datetime(2030, 7, 1, tzinfo=UTC), **attempt("acme-birthday"))

    assert outcome["code"] == "EXPIRED"


async def test_unknown_customer_holds_nothing(gql: Gql) -> None:
    outcome = await redeem(gql, **attempt("acme-welcome10", customerId="nobody"))

    assert outcome["code"] == "NOT_ISSUED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customerId": ""}, "input.customerId: must not be empty"),
        ({"promotionId": "x" * 65}, "input.promotionId: must be at most 64 characters"),
        ({"amount": "-1"}, "input.amount: must be a finite amount of 0 or more"),
        ({"amount": "1.001"}, "input.amount: must have at most 2 decimal places"),
        ({"amount": "NaN"}, "input.amount: must be a finite amount of 0 or more"),
        ({"idempotencyKey": ""}, "input.idempotencyKey: must not be empty"),
        ({"cartId": " cart"}, "input.cartId: must be printable, without surrounding spaces"),
    ],
)
async def test_malformed_input_is_bad_user_input(
    gql: Gql, change: dict[str, str], message: str
) -> None:
    result = await gql(REDEEM, {"input": {**attempt("acme-welcome10"), **change}}, now=NOW)

    assert result.errors is not None
    [error] = result.errors
    assert error.message == message
    assert error.extensions is not None
    assert error.extensions["code"] == "BAD_USER_INPUT"
