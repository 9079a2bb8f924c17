"""Whether a redemption may go ahead, and what it consumes: pure, no database.

``redeem`` reads the facts under locks and hands them here; the rules live in one place:
1. the customer must hold the promotion (NOT_ISSUED), it must be running (NOT_ACTIVE, EXPIRED),
   and unlocked for them (EXPIRED when their validTill has passed, LOCKED);
2. every limit that applies must have room for this redemption (LIMIT_REACHED names the first
   that has not). A limit applies at CART, CUSTOMER and PROMOTION level always, at PRODUCT level
   for its SKU and at CATEGORY level for its category. REDEMPTION consumes 1, DISCOUNT the amount,
   TRANSACTION 1 for a transaction not yet redeemed with this promotion by this customer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import orjson

from gateway.promotions.listing import CartPromotionRecord
from gateway.promotions.model import (
    EarnedStatus,
    PromotionStatus,
    RejectionCode,
    RestrictionKpi,
    RestrictionLevel,
)
from gateway.promotions.restrictions import RestrictionState

_ZERO = Decimal(0)
_ONE = Decimal(1)
_LEVEL_ORDER = {level: i for i, level in enumerate(RestrictionLevel)}


@dataclass(frozen=True, slots=True)
class RedemptionRequest:
    """One redemption as the caller asked for it (validated). ``cart_id`` defaults to the
    transaction: a cart-level limit then counts per transaction."""

    customer_id: str
    promotion_id: str
    transaction_id: str
    cart_id: str
    amount: Decimal
    product_sku: str | None
    category_id: str | None
    idempotency_key: str

    def fingerprint(self) -> bytes:
        """SHA-256 of everything but the idempotency key: a retry must match it exactly."""
        payload = [
            self.customer_id,
            self.promotion_id,
            self.transaction_id,
            self.cart_id,
            str(self.amount),
            self.product_sku,
            self.category_id,
        ]
        return hashlib.sha256(orjson.dumps(payload)).digest()


@dataclass(frozen=True, slots=True)
class Consumption:
    """How much of one limit a redemption uses."""

    restriction: RestrictionState
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Accepted:
    """The redemption may go ahead, using these limits (those it uses nothing of are left out)."""

    consumptions: tuple[Consumption, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    """The redemption is refused; ``restriction`` is the exhausted limit, for LIMIT_REACHED."""

    code: RejectionCode
    restriction: RestrictionState | None = None


def check_holding(promotion: CartPromotionRecord | None) -> Rejected | None:
    """Why the customer cannot use the promotion at all right now, or None when they can.

    ``promotion`` is the customer's listing of it (supplementary programs included), None when
    they do not see it.
    """
    if promotion is None:
        return Rejected(RejectionCode.NOT_ISSUED)
    if promotion.promotion_status is PromotionStatus.INACTIVE:
        return Rejected(RejectionCode.NOT_ACTIVE)
    if (
        promotion.promotion_status is PromotionStatus.EXPIRED
        or promotion.earned_status is EarnedStatus.EXPIRED
    ):
        return Rejected(RejectionCode.EXPIRED)
    if promotion.earned_status is EarnedStatus.LOCKED:
        return Rejected(RejectionCode.LOCKED)
    return None


def applies(restriction: RestrictionState, request: RedemptionRequest) -> bool:
    """Whether ``restriction`` counts this redemption."""
    if restriction.level is RestrictionLevel.PRODUCT:
        return restriction.product_sku == request.product_sku
    if restriction.level is RestrictionLevel.CATEGORY:
        return restriction.category_id == request.category_id
    return True


def consumption(
    restriction: RestrictionState, request: RedemptionRequest, *, transaction_seen: bool
) -> Decimal:
    """How much of ``restriction`` this redemption uses."""
    if restriction.kpi is RestrictionKpi.DISCOUNT:
        return request.amount
    if restriction.kpi is RestrictionKpi.TRANSACTION:
        return _ZERO if transaction_seen else _ONE
    return _ONE


def check_limits(
    restrictions: Iterable[RestrictionState],
    request: RedemptionRequest,
    *,
    transaction_seen: bool,
) -> Accepted | Rejected:
    """Accept when every applicable limit has room, else reject naming the first full one.

    ``restrictions`` carry the usage in this request's scope (its cart for CART level), read
    under the locks that keep it current until the redemption commits.

    Example::

        check_limits([customer_limit_3_used_3], request, transaction_seen=False)
        # -> Rejected(code=<RejectionCode.LIMIT_REACHED: 'limit_reached'>, restriction=...)
    """
    ordered = sorted(
        (r for r in restrictions if applies(r, request)),
        key=lambda r: (_LEVEL_ORDER[r.level], r.restriction_id),
    )
    consumptions = []
    for restriction in ordered:
        amount = consumption(restriction, request, transaction_seen=transaction_seen)
        if restriction.used + amount > restriction.max_limit:
            return Rejected(RejectionCode.LIMIT_REACHED, restriction)
        if amount > 0:
            consumptions.append(Consumption(restriction, amount))
    return Accepted(tuple(consumptions))
