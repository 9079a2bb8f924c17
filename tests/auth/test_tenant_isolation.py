"""A key never reads or writes another brand's customers, nor acts beyond its scopes."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth.principal import Principal, Scope
from gateway.identity import global_id
from tests.conftest import Gql


def key(*scopes: Scope, brands: tuple[str, ...] = ("acme",)) -> Principal:
    return Principal("test", frozenset(scopes), brands)


ACME_READER = key(Scope.READ)
ACME_WRITER = key(Scope.READ, Scope.WRITE)
ACME_ADMIN = key(Scope.READ, Scope.ADMIN)
GLOBEX_ALL = key(Scope.READ, Scope.WRITE, Scope.ADMIN, brands=("globex",))
WRITER_ONLY = key(Scope.WRITE)

CART = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'
ENTITY_CART = """{ _entities(representations: [{__typename: "Customer", id: "demo-loyal"}]) {
  ... on Customer { cartPromotions { promotionId } } } }"""
REDEEM = """mutation { redeemCartPromotion(input: { customerId: "demo-loyal",
  promotionId: "acme-welcome10", transactionId: "t-iso", cartId: "c-iso", amount: "1.00",
  idempotencyKey: "iso-1" }) { __typename } }"""
ISSUE = """mutation { issueCartPromotion(promotionId: "acme-welcome10", customerIds: ["demo-b2c"]) {
  issuedCustomerIds } }"""
EARN = """mutation { earnCartPromotion(input: { customerId: "demo-loyal",
  promotionId: "acme-welcome10", earnedType: REWARD }) { created } }"""


def _code(result: Any) -> str | None:
    if not result.errors:
        return None
    return str(result.errors[0].extensions["code"])


async def test_a_key_of_the_brand_reads_its_customers_promotions(gql: Gql) -> None:
    result = await gql(CART, principal=ACME_READER)

    assert result.errors is None and result.data is not None
    assert result.data["cartPromotions"], "demo-loyal holds acme promotions"


@pytest.mark.parametrize("query", [CART])
async def test_another_brands_key_sees_nothing(gql: Gql, query: str) -> None:
    result = await gql(query, principal=GLOBEX_ALL)

    assert result.errors is None
    assert result.data == {"cartPromotions": []}


async def test_another_brands_router_key_sees_nothing_through_entities(gql: Gql) -> None:
    router = key(Scope.ROUTER, Scope.READ, brands=("globex",))

    result = await gql(ENTITY_CART, principal=router)

    assert result.errors is None
    assert result.data == {"_entities": [{"cartPromotions": []}]}


@pytest.mark.parametrize(
    ("query", "principal", "code"),
    [
        (CART, WRITER_ONLY, "FORBIDDEN"),  # no read scope
        (REDEEM, ACME_READER, "FORBIDDEN"),  # no write scope
        (REDEEM, GLOBEX_ALL, "FORBIDDEN"),  # another brand's promotion
        (REDEEM, ACME_WRITER, None),
        (ISSUE, ACME_WRITER, "FORBIDDEN"),  # issuing is admin
        (ISSUE, GLOBEX_ALL, "FORBIDDEN"),
        (ISSUE, ACME_ADMIN, None),
        (EARN, ACME_WRITER, "FORBIDDEN"),
        (EARN, GLOBEX_ALL, "FORBIDDEN"),
        (EARN, ACME_ADMIN, None),
    ],
)
async def test_scope_and_brand_matrix(
    gql: Gql, query: str, principal: Principal, code: str | None
) -> None:
    result = await gql(query, principal=principal)

    assert _code(result) == code, result.errors


OFFERS = """query ($input: PersonalizedOffersInput!) { personalizedOffers(input: $input) {
  offers { id offerId } brand { id } } }"""
EVENT = (
    """mutation ($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { id } }"""
)


async def _offer_token(gql: Gql, customer_id: str) -> str:
    result = await gql(OFFERS, {"input": {"customerId": customer_id}})
    assert result.data is not None
    return str(result.data["personalizedOffers"]["offers"][0]["id"])


async def test_another_brands_key_gets_no_offer(gql: Gql) -> None:
    result = await gql(OFFERS, {"input": {"customerId": "demo-b2c"}}, principal=GLOBEX_ALL)

    assert result.errors is None
    assert result.data == {"personalizedOffers": {"offers": [], "brand": None}}


async def test_a_key_for_one_brand_needs_no_subscription_id_for_a_multibrand_customer(
    gql: Gql,
) -> None:
    result = await gql(OFFERS, {"input": {"customerId": "demo-multibrand"}}, principal=GLOBEX_ALL)

    assert result.errors is None and result.data is not None
    assert result.data["personalizedOffers"]["brand"] == {"id": "globex"}


@pytest.mark.parametrize(
    ("principal", "code"),
    [(ACME_READER, "FORBIDDEN"), (GLOBEX_ALL, "FORBIDDEN"), (ACME_WRITER, None)],
)
async def test_offer_events_need_write_scope_and_the_brand(
    gql: Gql, principal: Principal, code: str | None
) -> None:
    token = await _offer_token(gql, "demo-b2c")

    result = await gql(EVENT, {"id": token}, principal=principal)

    assert _code(result) == code, result.errors


async def test_explain_is_for_admin_keys(gql: Gql) -> None:
    variables = {"input": {"customerId": "demo-b2c", "explain": True}}

    refused = await gql(OFFERS, variables, principal=ACME_READER)
    allowed = await gql(OFFERS, variables, principal=ACME_ADMIN)

    assert _code(refused) == "FORBIDDEN"
    assert refused.errors is not None and "input.explain" in refused.errors[0].message
    assert allowed.errors is None


PROMOTION_NODE_IDS = [
    global_id("CartPromotion", "demo-loyal", "acme-welcome10"),
    global_id("PromotionRestrictions", "demo-loyal", "acme-welcome10", ""),
    global_id("Restriction", "demo-loyal", "acme-welcome10", "customer", "redemption", ""),
]
NODE = "query ($id: ID!) { node(id: $id) { id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"


@pytest.mark.parametrize("node_id", PROMOTION_NODE_IDS)
@pytest.mark.parametrize(
    ("principal", "code", "visible"),
    [
        (ACME_READER, None, True),
        (GLOBEX_ALL, None, False),  # as cartPromotions: another brand's promotion is not there
        (WRITER_ONLY, "FORBIDDEN", False),  # as cartPromotions: no read scope
    ],
)
async def test_node_sees_promotions_as_cart_promotions_does(
    gql: Gql, node_id: str, principal: Principal, code: str | None, visible: bool
) -> None:
    single = await gql(NODE, {"id": node_id}, principal=principal)
    plural = await gql(NODES, {"ids": [node_id, node_id]}, principal=principal)

    expected = {"id": node_id} if visible else None
    assert _code(single) == code, single.errors
    assert single.data == {"node": expected}
    assert _code(plural) == code, plural.errors
    assert plural.data == {"nodes": [expected, expected]}


@pytest.mark.parametrize(
    ("principal", "code"),
    [
        (ACME_READER, None),
        (GLOBEX_ALL, "FORBIDDEN"),  # as offerFulfillment: another brand's fulfillment
        (WRITER_ONLY, "FORBIDDEN"),  # as offerFulfillment: no read scope
    ],
)
async def test_node_sees_fulfillments_as_offer_fulfillment_does(
    gql: Gql, principal: Principal, code: str | None
) -> None:
    token = await _offer_token(gql, "demo-b2c")
    created = await gql(
        """mutation ($id: ID!) { createOfferFulfillment(personalizedOfferId: $id,
           optionId: "learn-more") { id } }""",
        {"id": token},
    )
    assert created.data is not None, created.errors
    fulfillment_id = created.data["createOfferFulfillment"]["id"]
    field = "query ($id: ID!) { offerFulfillment(id: $id) { id } }"

    by_field = await gql(field, {"id": fulfillment_id}, principal=principal)
    by_node = await gql(NODE, {"id": fulfillment_id}, principal=principal)
    by_nodes = await gql(NODES, {"ids": [fulfillment_id]}, principal=principal)

    assert _code(by_field) == _code(by_node) == _code(by_nodes) == code
    if code is None:
        assert by_node.data == {"node": {"id": fulfillment_id}}
        assert by_nodes.data == {"nodes": [{"id": fulfillment_id}]}
    else:
        assert by_nodes.errors is not None and by_nodes.errors[0].path == ["nodes", 0]
