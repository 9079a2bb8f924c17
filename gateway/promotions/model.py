"""The vocabulary of cart promotions: enums shared by the database, the engine and the schema.

Enum values equal the PostgreSQL enum labels of ``sql/010_promotions.sql``, so a column value
converts with ``EarnedType(row["earned_type"])`` — or, on hot paths, with a lookup in
``members_by_label(EarnedType)`` (an Enum call goes through EnumMeta: ~1 µs each, and a cart
converts a hundred).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar, cast

import strawberry


def label(member: Enum) -> str:
    """The PostgreSQL enum label of ``member`` (mypy sees strawberry.enum_value, not the str).

    >>> label(RejectionCode.LOCKED)
    'locked'
    """
    return cast(str, member.value)


EnumT = TypeVar("EnumT", bound=Enum)


def members_by_label(enum: type[EnumT]) -> Mapping[str, EnumT]:
    """The members of ``enum`` by their PostgreSQL label.

    >>> members_by_label(RestrictionLevel)["cart"]
    <RestrictionLevel.CART: 'cart'>
    """
    return {label(member): member for member in enum}


@strawberry.enum(description="Whether a promotion is running (REFERENCE C.4).")
class PromotionStatus(Enum):
    ACTIVE = strawberry.enum_value(
        "active",
        description="Running. The customer may still have nothing left: see remainingRedemption.",
    )
    INACTIVE = strawberry.enum_value(
        "inactive", description="Deactivated by an administrator, or not started yet."
    )
    EXPIRED = strawberry.enum_value("expired", description="Its end date has passed.")


@strawberry.enum(description="How the customer came to hold the promotion.")
class EarnedType(Enum):
    NONE = strawberry.enum_value("none", description="Assigned directly, nothing to qualify.")
    TIER = strawberry.enum_value("tier", description="Comes with the customer's loyalty tier.")
    REWARD = strawberry.enum_value(
        "reward", description="Earned by completing a milestone or achievement."
    )
    LOYALTY = strawberry.enum_value("loyalty", description="Tied to a loyalty program.")


@strawberry.enum(description="Whether the customer can use the promotion now.")
class EarnedStatus(Enum):
    LOCKED = strawberry.enum_value("locked", description="Issued but not yet available to use.")
    UNLOCKED = strawberry.enum_value("unlocked", description="Available to use.")
    EXPIRED = strawberry.enum_value(
        "expired", description="Was available, but the customer's validTill has passed."
    )


@strawberry.enum(description="How the promotion is applied.")
class ApplicationMode(Enum):
    DISCOUNT = strawberry.enum_value("discount", description="Lowers the price paid at checkout.")
    REWARD = strawberry.enum_value(
        "reward", description="A benefit that does not change the transaction's price."
    )


@strawberry.enum(description="What a redemption limit is counted over (REFERENCE C.3).")
class RestrictionLevel(Enum):
    CART = strawberry.enum_value("cart", description="One cart (or transaction).")
    CUSTOMER = strawberry.enum_value("customer", description="This customer's use.")
    PROMOTION = strawberry.enum_value("promotion", description="All customers together.")
    PRODUCT = strawberry.enum_value("product", description="This customer's use on one SKU.")
    CATEGORY = strawberry.enum_value(
        "category", description="This customer's use in one product category."
    )


@strawberry.enum(description="What a redemption limit counts.")
class RestrictionKpi(Enum):
    REDEMPTION = strawberry.enum_value("redemption", description="Number of redemptions.")
    DISCOUNT = strawberry.enum_value("discount", description="Sum of the discount amounts.")
    TRANSACTION = strawberry.enum_value(
        "transaction", description="Number of distinct transactions."
    )


@strawberry.enum(description="The kind of loyalty program.")
class ProgramType(Enum):
    DEFAULT = strawberry.enum_value("default", description="The brand's main loyalty program.")
    SUPPLEMENTARY = strawberry.enum_value(
        "supplementary", description="A supplementary program run with a partner."
    )
    EXTERNAL = strawberry.enum_value("external", description="A partner's own program.")


@strawberry.enum(description="Why a redemption was refused.")
class RejectionCode(Enum):
    LIMIT_REACHED = strawberry.enum_value(
        "limit_reached", description="A limit has too little left: see `restriction`."
    )
    NOT_ISSUED = strawberry.enum_value(
        "not_issued", description="The customer does not hold this promotion."
    )
    NOT_ACTIVE = strawberry.enum_value(
        "not_active", description="The promotion is deactivated or has not started."
    )
    EXPIRED = strawberry.enum_value(
        "expired", description="The promotion, or the customer's validTill, has ended."
    )
    LOCKED = strawberry.enum_value(
        "locked", description="The customer holds it, but it is not unlocked yet."
    )
