"""Operations that take every input type as a variable, and strategies for their variables.

Variables arrive as JSON, so each can be any JSON type: the values mix well-shaped input objects
(the right keys, any values) with arbitrary JSON.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.fuzz.hostile import json_values
from tests.fuzz.scalars import DEMO_IDS

OPERATIONS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    # name: (document, {variable: keys of its input object, () for non-objects})
    "offers": (
        "query offers($input: PersonalizedOffersInput!) { personalizedOffers(input: $input) "
        "{ offers { id offerId content { title } options { id } play { id } } brand { id } "
        "expiresAt explanation { playId outcome } } }",
        {
            "input": (
                "customerId",
                "subscriptionId",
                "externalUserId",
                "firstName",
                "lastName",
                "email",
                "roles",
                "custom",
                "requestContext",
                "explain",
            )
        },
    ),
    "promotions": (
        "query promotions($id: ID!, $supplementary: Boolean!, $status: [PromotionStatus!]) "
        "{ cartPromotions(customerId: $id, includeSupplementary: $supplementary, status: $status)"
        " { promotionId validTill customFieldValues restrictions { cart { maxLimit } } } }",
        {"id": (), "supplementary": (), "status": ()},
    ),
    "fulfillment": (
        "query fulfillment($id: ID!) { offerFulfillment(id: $id) { id status } }",
        {"id": ()},
    ),
    "entities": (
        "query entities($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Customer { id cartPromotions { promotionId } personalizedOffers "
        "{ expiresAt } } } }",
        {"r": ()},
    ),
    "redeem": (
        "mutation redeem($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) "
        "{ __typename ... on Redemption { amount replayed } ... on RedemptionRejected { code } } }",
        {
            "input": (
                "customerId",
                "promotionId",
                "transactionId",
                "amount",
                "idempotencyKey",
                "cartId",
                "productSku",
                "categoryId",
            )
        },
    ),
    "earn": (
        "mutation earn($input: EarnCartPromotionInput!) { earnCartPromotion(input: $input) "
        "{ created cartPromotion { promotionId earnedStatus } } }",
        {
            "input": (
                "customerId",
                "promotionId",
                "earnedType",
                "milestoneId",
                "eventTime",
                "validTill",
                "supplementaryCriteria",
            )
        },
    ),
    "issue": (
        "mutation issue($p: ID!, $c: [ID!]!) { issueCartPromotion(promotionId: $p, "
        "customerIds: $c) { issuedCustomerIds notEligibleCustomerIds } }",
        {"p": (), "c": ()},
    ),
    "event": (
        "mutation event($id: ID!, $type: OfferEventType!) "
        "{ recordOfferEvent(personalizedOfferId: $id, type: $type) { id } }",
        {"id": (), "type": ()},
    ),
    "fulfill": (
        "mutation fulfill($id: ID!, $option: ID!) "
        "{ createOfferFulfillment(personalizedOfferId: $id, optionId: $option) { id status } }",
        {"id": (), "option": ()},
    ),
    "update": (
        "mutation update($id: ID!, $status: OfferFulfillmentOutcome!, "
        "$reason: OfferFulfillmentFailureInput) { updateOfferFulfillment(id: $id, "
        "status: $status, failureReason: $reason) { id status } }",
        {"id": (), "status": (), "reason": ("code", "message")},
    ),
}

# Plausible values: demo ids, enum names, dates and amounts in all their right and wrong shapes.
_plausible = st.one_of(
    st.sampled_from(DEMO_IDS),
    st.sampled_from(
        [
            "ACTIVE",
            "EXPIRED",
            "VIEWED",
            "DISMISSED",
            "COMPLETED",
            "FAILED",
            "REWARD",
            "NONE",
            "INTERNAL_ERROR",
            "2026-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "1e400",
            "-0.001",
            "12.5",
            "NaN",
            "Infinity",
            "sNaN",
            "nul\x00inside",  # PostgreSQL text cannot hold it
        ]
    ),
    json_values,
)


def _shaped(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    if not keys:
        return st.one_of(_plausible, st.lists(_plausible, max_size=4))
    shaped = st.dictionaries(
        st.sampled_from(keys), st.one_of(_plausible, st.lists(_plausible, max_size=3)), max_size=8
    )
    return st.one_of(shaped, json_values)


@st.composite
def operations_with_variables(draw: st.DrawFn) -> dict[str, Any]:
    """A request body: one of ``OPERATIONS`` with variables of any JSON type (some missing)."""
    name = draw(st.sampled_from(sorted(OPERATIONS)))
    document, variables = OPERATIONS[name]
    values = draw(
        st.fixed_dictionaries({}, optional={var: _shaped(keys) for var, keys in variables.items()})
    )
    return {"query": document, "operationName": name, "variables": values}
