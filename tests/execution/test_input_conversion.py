"""compiled_input builds the same input objects as strawberry's own conversion."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

from gateway.promotions.model import EarnedType
from gateway.schema import build_schema
from gateway.schema.offers import (
    OfferFulfillmentErrorCode,
    OfferFulfillmentFailureInput,
    PersonalizedOffersInput,
)
from gateway.schema.promotions import EarnCartPromotionInput, RedeemCartPromotionInput

SCHEMA = build_schema()
CASES: list[tuple[type, dict[str, Any]]] = [
    (PersonalizedOffersInput, {"customerId": "demo-b2c"}),
    (PersonalizedOffersInput, {"customerId": "demo-b2c", "explain": False, "roles": None}),
    (
        PersonalizedOffersInput,
        {
            "customerId": "demo-b2b",
            "subscriptionId": "sub-1",
            "externalUserId": "u-bob",
            "firstName": "Bob",
            "lastName": None,
            "email": "bob@example.com",
            "roles": ["admin", "billing"],
            "custom": {"plan": "pro", "seats": [1, 2]},
            "requestContext": {"userAgent": "Mozilla/5.0", "locale": "de-DE", "url": None},
            "explain": True,
        },
    ),
    (PersonalizedOffersInput, {"customerId": "x", "requestContext": None, "custom": None}),
    (
        RedeemCartPromotionInput,
        {
            "customerId": "demo-loyal",
            "promotionId": "acme-welcome10",
            "transactionId": "t-1",
            "amount": Decimal("9.90"),
            "idempotencyKey": "k-1",
            "cartId": None,
        },
    ),
    (
        EarnCartPromotionInput,
        {
            "customerId": "demo-loyal",
            "promotionId": "p",
            "earnedType": EarnedType.REWARD,
            "eventTime": datetime(2026, 1, 2, tzinfo=UTC),
            "supplementaryCriteria": {"loyaltyProgramId": "prog-1"},
        },
    ),
    (OfferFulfillmentFailureInput, {"code": OfferFulfillmentErrorCode.CHECKOUT_ABANDONED}),
]


def _convert(cls: type, value: dict[str, Any]) -> Any:
    converter = SCHEMA.schema_converter
    return convert_argument(value, cls, converter.scalar_registry, SCHEMA.config)


@pytest.mark.parametrize(("cls", "value"), CASES)
def test_builds_what_strawberry_builds(cls: type, value: dict[str, Any]) -> None:
    definition = get_object_definition(cls, strict=True)
    compiled = _convert(cls, value)
    hook, definition.from_input = definition.from_input, None
    try:
        expected = _convert(cls, value)
    finally:
        definition.from_input = hook

    assert hook is not None  # the compiled converter is in place
    assert type(compiled) is type(expected)
    assert compiled == expected


def test_lists_are_copied_not_shared() -> None:
    roles = ["admin"]
    converted = _convert(PersonalizedOffersInput, {"customerId": "c", "roles": roles})
    assert converted.roles == roles and converted.roles is not roles
