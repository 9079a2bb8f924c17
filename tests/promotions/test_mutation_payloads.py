"""Mutations return the objects they changed, with the ids a listing shows: a normalized cache
updates the listing from the payload alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.identity import global_id
from tests.conftest import Gql

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

PROMOTION_FIELDS = """
fragment promotion on CartPromotion {
  id promotionId customerId earnedType earnedStatus promotionStatus
  restrictions {
    id cart { ...limit } customer { ...limit } promotion { ...limit }
    product { ...limit } category { ...limit }
  }
}
fragment limit on Restriction { id level kpi maxLimit remainingRedemption productSku categoryId }
"""

LISTING = (
    """query ($customerId: ID!) {
  cartPromotions(customerId: $customerId, includeSupplementary: true) { ...promotion } }"""
    + PROMOTION_FIELDS
)

REDEEM = (
    """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) {
    __typename
    ... on Redemption { id redemptionId cartPromotion { ...promotion } restrictions { id } }
    ... on RedemptionRejected { code restriction { ...limit } cartPromotion { ...promotion } }
  }
}"""
    + PROMOTION_FIELDS
)

REDEEM_BARE = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""

EARN = (
    """mutation ($input: EarnCartPromotionInput!) {
  earnCartPromotion(input: $input) { created cartPromotion { ...promotion } } }"""
    + PROMOTION_FIELDS
)

ISSUE = (
    """mutation ($promotionId: ID!, $customerIds: [ID!]!) {
  issueCartPromotion(promotionId: $promotionId, customerIds: $customerIds) {
    issuedCustomerIds alreadyIssuedCustomerIds cartPromotions { ...promotion } } }"""
    + PROMOTION_FIELDS
)
ISSUE_BARE = """mutation ($promotionId: ID!, $customerIds: [ID!]!) {
  issueCartPromotion(promotionId: $promotionId, customerIds: $customerIds) {
    issuedCustomerIds } }"""

NODE = "query ($id: ID!) { node(id: $id) { ... on Restriction { remainingRedemption } } }"
LEVELS = ("cart", "customer", "promotion", "product", "category")


async def run(gql: Gql, query: str, variables: dict[str, Any]) -> Any:
    result = await gql(query, variables, now=NOW)
    assert result.errors is None and result.data is not None, result.errors
    return result


async def listed(gql: Gql, customer_id: str = "demo-loyal") -> dict[str, dict[str, Any]]:
    result = await run(gql, LISTING, {"customerId": customer_id})
    return {p["promotionId"]: p for p in result.data["cartPromotions"]}


def limits_by_id(promotion: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {limit["id"]: limit for level in LEVELS for limit in promotion["restrictions"][level]}


def attempt(key: str, promotion_id: str = "acme-welcome10", **fields: Any) -> dict[str, Any]:
    return {
        "customerId": "demo-loyal",
        "promotionId": promotion_id,
        "transactionId": f"txn-{key}",
        "amount": "5.00",
        "idempotencyKey": f"key-{key}",
        **fields,
    }


async def test_a_redemption_returns_the_listed_objects_with_what_remains_now(gql: Gql) -> None:
    before = (await listed(gql))["acme-welcome10"]

    result = await run(gql, REDEEM, {"input": attempt("a", cartId="cart-1")})
    after_listing = (await listed(gql))["acme-welcome10"]

    done = result.data["redeemCartPromotion"]
    assert done["__typename"] == "Redemption"
    assert done["id"] == global_id("Redemption", "demo-loyal", done["redemptionId"])
    payload = done["cartPromotion"]
    assert payload == after_listing  # what a fresh listing shows, ids and all
    assert payload["id"] == before["id"]
    assert payload["restrictions"]["id"] == before["restrictions"]["id"]
    assert done["restrictions"] == {"id": before["restrictions"]["id"]}
    old, new = limits_by_id(before), limits_by_id(payload)
    assert set(old) == set(new)
    changed = {
        (limit["level"], old[limit_id]["remainingRedemption"], limit["remainingRedemption"])
        for limit_id, limit in new.items()
        if limit["remainingRedemption"] != old[limit_id]["remainingRedemption"]
    }
    assert changed == {("CUSTOMER", "2", "1"), ("PROMOTION", "999", "998")}
    # Lock, prior attempt, holding, limits, shared counters, write; then the read-back.
    assert result.extensions == {"sqlRoundTrips": 7}


async def test_the_read_back_is_made_only_when_selected(gql: Gql) -> None:
    bare = await run(gql, REDEEM_BARE, {"input": attempt("b")})

    assert bare.data == {"redeemCartPromotion": {"__typename": "Redemption"}}
    assert bare.extensions == {"sqlRoundTrips": 6}


async def test_a_refusal_returns_the_promotion_as_it_stands(gql: Gql) -> None:
    await run(gql, REDEEM, {"input": attempt("c", cartId="cart-2")})

    refused = await run(gql, REDEEM, {"input": attempt("d", cartId="cart-2")})
    replayed = await run(gql, REDEEM, {"input": attempt("d", cartId="cart-2")})
    listing = (await listed(gql))["acme-welcome10"]

    outcome = refused.data["redeemCartPromotion"]
    assert outcome["code"] == "LIMIT_REACHED"
    assert outcome["cartPromotion"] == listing
    assert replayed.data["redeemCartPromotion"] == outcome
    # The refused CART limit is the one of this cart: its own id, not the listing's (no cart).
    limit = outcome["restriction"]
    assert limit["level"] == "CART" and limit["remainingRedemption"] == "0"
    [listed_cart_limit] = [c for c in listing["restrictions"]["cart"] if c["kpi"] == limit["kpi"]]
    assert limit["id"] != listed_cart_limit["id"]
    assert listed_cart_limit["remainingRedemption"] == listed_cart_limit["maxLimit"]
    refetched = await run(gql, NODE, {"id": limit["id"]})
    assert refetched.data == {"node": {"remainingRedemption": "0"}}


async def test_a_redemption_of_a_promotion_not_held_returns_no_promotion(gql: Gql) -> None:
    result = await run(gql, REDEEM, {"input": attempt("e", "acme-silver-pos")})

    assert result.data["redeemCartPromotion"]["code"] == "NOT_ISSUED"
    assert result.data["redeemCartPromotion"]["cartPromotion"] is None


async def test_earning_returns_the_promotion_with_every_limit_in_one_read(gql: Gql) -> None:
    request = {
        "customerId": "demo-loyal",
        "promotionId": "acme-welcome10",
        "earnedType": "REWARD",
    }

    result = await run(gql, EARN, {"input": request})
    listing = (await listed(gql))["acme-welcome10"]

    payload = result.data["earnCartPromotion"]
    assert payload["cartPromotion"] == listing
    assert payload["cartPromotion"]["restrictions"]["customer"]
    # Earn facts, the write, then the promotion and its limits together.
    assert result.extensions == {"sqlRoundTrips": 3}


async def test_issuing_returns_each_holders_promotion_in_one_read(gql: Gql) -> None:
    many = ["demo-b2c", "demo-loyal", "demo-multibrand", "nobody"]

    bare = await run(gql, ISSUE_BARE, {"promotionId": "acme-birthday", "customerIds": ["x"]})
    one = await run(gql, ISSUE, {"promotionId": "acme-welcome10", "customerIds": ["demo-b2c"]})
    result = await run(gql, ISSUE, {"promotionId": "acme-welcome10", "customerIds": many})

    payload = result.data["issueCartPromotion"]
    holders = [*payload["issuedCustomerIds"], *payload["alreadyIssuedCustomerIds"]]
    assert len(holders) == 3
    assert [p["customerId"] for p in payload["cartPromotions"]] == holders
    for promotion in payload["cartPromotions"]:
        assert promotion == (await listed(gql, promotion["customerId"]))["acme-welcome10"]
    assert one.extensions == result.extensions
    assert result.extensions == {"sqlRoundTrips": bare.extensions["sqlRoundTrips"] + 1}
