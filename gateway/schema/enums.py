"""The GraphQL enums of cart promotions: the domain's enums (``gateway.promotions.model``),
wrapped with their descriptions, as saleor's ``graphql/discount/enums.py`` wraps its domain's.

The domain never imports strawberry; importing this module registers the enums with it, and
the schema's modules import the enums from here.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from gateway.promotions.model import (
    ApplicationMode,
    EarnedStatus,
    EarnedType,
    ProgramType,
    PromotionStatus,
    RejectionCode,
    RestrictionKpi,
    RestrictionLevel,
)

EnumT = TypeVar("EnumT", bound=Enum)


def graphql_enum(enum: type[EnumT], description: str, values: dict[str, str]) -> type[EnumT]:
    """``enum`` as a GraphQL enum with ``description`` and a description per value.

    >>> class Kettle(Enum):
    ...     STEEL = "steel"
    >>> wrapped = graphql_enum(Kettle, "A kettle.", {"STEEL": "Brushed."})
    >>> wrapped.__strawberry_definition__.values[0].description
    'Brushed.'
    """
    strawberry.enum(enum, description=description)
    definition: StrawberryEnumDefinition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values.get(value.name)
    return enum


graphql_enum(
    PromotionStatus,
    "Whether a promotion is running (REFERENCE C.4).",
    {
        "ACTIVE": "Running. The customer may still have nothing left: see remainingRedemption.",
        "INACTIVE": "Deactivated by an administrator, or not started yet.",
        "EXPIRED": "Its end date has passed.",
    },
)
graphql_enum(
    EarnedType,
    "How the customer came to hold the promotion.",
    {
        "NONE": "Assigned directly, nothing to qualify.",
        "TIER": "Comes with the customer's loyalty tier.",
        "REWARD": "Earned by completing a milestone or achievement.",
        "LOYALTY": "Tied to a loyalty program.",
    },
)
graphql_enum(
    EarnedStatus,
    "Whether the customer can use the promotion now.",
    {
        "LOCKED": "Issued but not yet available to use.",
        "UNLOCKED": "Available to use.",
        "EXPIRED": "Was available, but the customer's validTill has passed.",
    },
)
graphql_enum(
    ApplicationMode,
    "How the promotion is applied.",
    {
        "DISCOUNT": "Lowers the price paid at checkout.",
        "REWARD": "A benefit that does not change the transaction's price.",
    },
)
graphql_enum(
    RestrictionLevel,
    "What a redemption limit is counted over (REFERENCE C.3).",
    {
        "CART": "One cart (or transaction).",
        "CUSTOMER": "This customer's use.",
        "PROMOTION": "All customers together.",
        "PRODUCT": "This customer's use on one SKU.",
        "CATEGORY": "This customer's use in one product category.",
    },
)
graphql_enum(
    RestrictionKpi,
    "What a redemption limit counts.",
    {
        "REDEMPTION": "Number of redemptions.",
        "DISCOUNT": "Sum of the discount amounts.",
        "TRANSACTION": "Number of distinct transactions.",
    },
)
graphql_enum(
    ProgramType,
    "The kind of loyalty program.",
    {
        "DEFAULT": "The brand's main loyalty program.",
        "SUPPLEMENTARY": "A supplementary program run with a partner.",
        "EXTERNAL": "A partner's own program.",
    },
)
graphql_enum(
    RejectionCode,
    "Why a redemption was refused.",
    {
        "LIMIT_REACHED": "A limit has too little left: see `restriction`.",
        "NOT_ISSUED": "The customer does not hold this promotion.",
        "NOT_ACTIVE": "The promotion is deactivated or has not started.",
        "EXPIRED": "The promotion, or the customer's validTill, has ended.",
        "LOCKED": "The customer holds it, but it is not unlocked yet.",
    },
)

__all__ = [
    "ApplicationMode",
    "EarnedStatus",
    "EarnedType",
    "ProgramType",
    "PromotionStatus",
    "RejectionCode",
    "RestrictionKpi",
    "RestrictionLevel",
]
