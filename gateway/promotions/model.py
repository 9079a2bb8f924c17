"""The vocabulary of cart promotions: enums shared by the database, the domain and the schema.

Enum values equal the PostgreSQL enum labels of ``sql/010_promotions.sql``, so a column value
converts with ``EarnedType(row["earned_type"])`` — or, on hot paths, with a lookup in
``members_by_label(EarnedType)`` (an Enum call goes through EnumMeta: ~1 µs each, and a cart
converts a hundred).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar, cast


def label(member: Enum) -> str:
    """The PostgreSQL enum label of ``member``.

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


class PromotionStatus(Enum):
    """Whether a promotion is running (REFERENCE C.4)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    EXPIRED = "expired"


class EarnedType(Enum):
    """How the customer came to hold the promotion."""

    NONE = "none"
    TIER = "tier"
    REWARD = "reward"
    LOYALTY = "loyalty"


class EarnedStatus(Enum):
    """Whether the customer can use the promotion now."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    EXPIRED = "expired"


class ApplicationMode(Enum):
    """How the promotion is applied."""

    DISCOUNT = "discount"
    REWARD = "reward"


class RestrictionLevel(Enum):
    """What a redemption limit is counted over (REFERENCE C.3)."""

    CART = "cart"
    CUSTOMER = "customer"
    PROMOTION = "promotion"
    PRODUCT = "product"
    CATEGORY = "category"


class RestrictionKpi(Enum):
    """What a redemption limit counts."""

    REDEMPTION = "redemption"
    DISCOUNT = "discount"
    TRANSACTION = "transaction"


class ProgramType(Enum):
    """The kind of loyalty program."""

    DEFAULT = "default"
    SUPPLEMENTARY = "supplementary"
    EXTERNAL = "external"


class RejectionCode(Enum):
    """Why a redemption was refused."""

    LIMIT_REACHED = "limit_reached"
    NOT_ISSUED = "not_issued"
    NOT_ACTIVE = "not_active"
    EXPIRED = "expired"
    LOCKED = "locked"
