"""Query.node / Query.nodes: each Node type refetched as its field shows it; one batch per kind."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from gateway.identity import global_id, parse_global_id
from tests.conftest import Gql
from tests.offers.queries import CREATE_FULFILLMENT, NOW, OFFERS

LISTING = """
query ($customerId: ID!) {
  cartPromotions(customerId: $customerId, includeSupplementary: true) {
    id promotionId customerId promotionName earnedStatus
    restrictions {
      id cart { ...limit } customer { ...limit } promotion { ...limit }
      product { ...limit } category { ...limit }
    }
    supplementaryCriteria { id loyaltyProgramId programType }
  }
}
fragment limit on Restriction { id level kpi maxLimit remainingRedemption productSku categoryId }
"""

NODE_FIELDS = """
fragment fields on Node {
  __typename id
  ... on CartPromotion {
    promotionId customerId promotionName earnedStatus
    restrictions {
      id cart { ...limit } customer { ...limit } promotion { ...limit }
      product { ...limit } category { ...limit }
    }
    supplementaryCriteria { id loyaltyProgramId programType }
  }
  ... on PromotionRestrictions {
    cart { ...limit } customer { ...limit } promotion { ...limit }
    product { ...limit } category { ...limit }
  }
  ... on Restriction { ...limit }
  ... on OfferFulfillment { offerId optionId status }
}
fragment limit on Restriction { id level kpi maxLimit remainingRedemption productSku categoryId }
"""
NODE = "query ($id: ID!) { node(id: $id) { ...fields } }" + NODE_FIELDS
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { ...fields } }" + NODE_FIELDS
LEVELS = ("cart", "customer", "promotion", "product", "category")


async def listing(gql: Gql, customer_id: str = "demo-loyal") -> list[dict[str, Any]]:
    result = await gql(LISTING, {"customerId": customer_id})
    assert result.errors is None and result.data is not None, result.errors
    promotions: list[dict[str, Any]] = result.data["cartPromotions"]
    return promotions


def limits_of(promotions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        limit
        for promotion in promotions
        if promotion["restrictions"]
        for level in LEVELS
        for limit in promotion["restrictions"][level]
    ]


async def nodes(gql: Gql, ids: list[str], **kwargs: Any) -> Any:
    return await gql(NODES, {"ids": ids}, **kwargs)


async def a_fulfillment_id(gql: Gql) -> str:
    offers = await gql(OFFERS, {"input": {"customerId": "demo-b2c"}}, now=NOW)
    assert offers.data is not None
    token = offers.data["personalizedOffers"]["offers"][0]["id"]
    created = await gql(CREATE_FULFILLMENT, {"id": token, "option": "learn-more"}, now=NOW)
    assert created.data is not None, created.errors
    fulfillment_id: str = created.data["createOfferFulfillment"]["id"]
    return fulfillment_id


async def test_ids_are_stable_and_unique_across_types(gql: Gql) -> None:
    first = await listing(gql)
    again = await listing(gql)
    fulfillment_id = await a_fulfillment_id(gql)

    assert [p["id"] for p in first] == [p["id"] for p in again]
    assert [limit["id"] for limit in limits_of(first)] == [
        limit["id"] for limit in limits_of(again)
    ]
    sets = [p["restrictions"]["id"] for p in first if p["restrictions"]]
    programs = {p["supplementaryCriteria"]["id"] for p in first if p["supplementaryCriteria"]}
    every_id = [
        *(p["id"] for p in first),
        *sets,
        *(limit["id"] for limit in limits_of(first)),
        *programs,
        fulfillment_id,
    ]
    assert len(limits_of(first)) >= 10 and programs
    assert len(set(every_id)) == len(every_id)
    assert not {p["promotionId"] for p in first} & set(every_id)  # not the seed's ids


async def test_each_node_type_round_trips(gql: Gql) -> None:
    promotions = await listing(gql)
    fulfillment_id = await a_fulfillment_id(gql)
    limited = [p for p in promotions if p["restrictions"]]

    for promotion in promotions:
        result = await gql(NODE, {"id": promotion["id"]})
        assert result.errors is None and result.data is not None
        assert result.data["node"] == {"__typename": "CartPromotion", **promotion}
    for promotion in limited:
        result = await gql(NODE, {"id": promotion["restrictions"]["id"]})
        assert result.data == {
            "node": {"__typename": "PromotionRestrictions", **promotion["restrictions"]}
        }
    for limit in limits_of(promotions):
        result = await gql(NODE, {"id": limit["id"]})
        assert result.data == {"node": {"__typename": "Restriction", **limit}}
    fulfillment = await gql(NODE, {"id": fulfillment_id}, now=NOW)
    assert fulfillment.data == {
        "node": {
            "__typename": "OfferFulfillment",
            "id": fulfillment_id,
            "offerId": "acme-annual-upgrade",
            "optionId": "learn-more",
            "status": "IN_PROGRESS",
        }
    }


async def test_nodes_answer_in_order_in_one_batch_per_kind(gql: Gql) -> None:
    promotions = await listing(gql)
    fulfillment_id = await a_fulfillment_id(gql)
    limited = [p for p in promotions if p["restrictions"]]
    unknown_fulfillments = [
        global_id("OfferFulfillment", "demo-b2c", str(uuid.uuid4())) for _ in range(20)
    ]
    with_program = next(p for p in promotions if p["supplementaryCriteria"])
    one_of_each = [
        with_program["id"],
        limited[0]["restrictions"]["id"],
        limits_of(promotions)[0]["id"],
        fulfillment_id,
    ]
    many = [
        *(p["id"] for p in promotions),
        *(p["restrictions"]["id"] for p in limited),
        *(limit["id"] for limit in limits_of(promotions)),
        fulfillment_id,
        *unknown_fulfillments,
    ]

    one = await nodes(gql, one_of_each, now=NOW)
    everything = await nodes(gql, many, now=NOW)

    assert one.errors is None and everything.errors is None
    assert everything.data is not None
    answered = everything.data["nodes"]
    assert [n["id"] for n in answered[: -len(unknown_fulfillments)]] == many[:-20]
    assert answered[-20:] == [None] * 20
    assert len(many) > 40
    # Listing, limits (node items), limits (CartPromotion.restrictions), programs, fulfillments.
    assert one.extensions == everything.extensions
    assert everything.extensions == {"sqlRoundTrips": 5}


async def test_a_well_formed_id_of_nothing_is_null(gql: Gql) -> None:
    ids = [
        global_id("CartPromotion", "nobody", "acme-welcome10"),
        global_id("CartPromotion", "demo-loyal", "acme-silver-pos"),  # not this customer's
        global_id("PromotionRestrictions", "demo-loyal", "acme-flash-2025", ""),  # no limits
        global_id("Restriction", "demo-loyal", "acme-gold-tv", "product", "discount", "SKU-X"),
        global_id("OfferFulfillment", "demo-b2c", str(uuid.uuid4())),
    ]

    for value in ids:
        result = await gql(NODE, {"id": value})
        assert result.errors is None
        assert result.data == {"node": None}


async def test_a_malformed_id_is_bad_user_input_naming_the_argument(gql: Gql) -> None:
    promotions = await listing(gql)
    not_a_node = global_id("SupplementaryCriteria", "acme-skymiles")

    single = await gql(NODE, {"id": "not-an-id"})
    plural = await nodes(gql, [promotions[0]["id"], not_a_node, "x"])
    bad_uuid = await gql(NODE, {"id": global_id("OfferFulfillment", "demo-b2c", "nope")})

    assert single.data == {"node": None}
    assert single.errors is not None
    [error] = single.errors
    assert error.message == "id: not the id of an object Query.node can refetch"
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": "id"}
    assert plural.data is not None
    assert [n and n["id"] for n in plural.data["nodes"]] == [promotions[0]["id"], None, None]
    assert plural.errors is not None
    assert [(e.path, e.extensions) for e in plural.errors] == [
        (["nodes", 1], {"code": "BAD_USER_INPUT", "field": "ids[1]"}),
        (["nodes", 2], {"code": "BAD_USER_INPUT", "field": "ids[2]"}),
    ]
    assert bad_uuid.errors is not None
    assert bad_uuid.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "id"}


async def test_too_many_ids_are_refused(gql: Gql) -> None:
    result = await nodes(gql, [global_id("CartPromotion", "c", f"p{i}") for i in range(101)])

    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "LIMIT_EXCEEDED"}


async def test_fulfillment_ids_handed_out_before_global_ids_still_work(gql: Gql) -> None:
    fulfillment_id = await a_fulfillment_id(gql)
    key = parse_global_id(fulfillment_id)
    assert key is not None and key.type_name == "OfferFulfillment"
    legacy = base64.urlsafe_b64encode("/".join(key.parts).encode()).decode()

    result = await gql(
        "query ($id: ID!) { offerFulfillment(id: $id) { id status } }", {"id": legacy}, now=NOW
    )

    assert result.errors is None
    assert result.data == {"offerFulfillment": {"id": fulfillment_id, "status": "IN_PROGRESS"}}
