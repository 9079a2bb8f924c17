"""The pure redemption rules (no database): which limits apply and what they consume."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from gateway.promotions.decision import Accepted, RedemptionRequest, Rejected, check_limits
from gateway.promotions.model import RejectionCode, RestrictionKpi, RestrictionLevel
from gateway.promotions.restrictions import RestrictionState

REQUEST = RedemptionRequest(
    customer_id="c",
    promotion_id="p",
    transaction_id="t",
    cart_id="t",
    amount=Decimal("7.50"),
    product_sku="SKU-1",
    category_id=None,
    idempotency_key="k",
)


def limit(
    restriction_id: int,
    level: RestrictionLevel,
    kpi: RestrictionKpi,
    max_limit: str,
    used: str = "0",
    **scope: str,
) -> RestrictionState:
    return RestrictionState(restriction_id, level, kpi, Decimal(max_limit), Decimal(used), **scope)


def test_consumes_one_redemption_the_amount_and_one_new_transaction() -> None:
    limits = [
        limit(1, RestrictionLevel.CUSTOMER, RestrictionKpi.REDEMPTION, "3"),
        limit(2, RestrictionLevel.PROMOTION, RestrictionKpi.DISCOUNT, "100"),
        limit(3, RestrictionLevel.CART, RestrictionKpi.TRANSACTION, "1"),
    ]

    decision = check_limits(limits, REQUEST, transaction_seen=False)

    assert isinstance(decision, Accepted)
    assert [(c.restriction.restriction_id, c.amount) for c in decision.consumptions] == [
        (3, Decimal(1)),
        (1, Decimal(1)),
        (2, Decimal("7.50")),
    ]


def test_a_seen_transaction_consumes_nothing_of_a_full_transaction_limit() -> None:
    full = limit(1, RestrictionLevel.CUSTOMER, RestrictionKpi.TRANSACTION, "1", used="1")

    assert check_limits([full], REQUEST, transaction_seen=True) == Accepted(())
    assert check_limits([full], REQUEST, transaction_seen=False) == Rejected(
        RejectionCode.LIMIT_REACHED, full
    )


def test_product_and_category_limits_apply_to_their_own_only() -> None:
    other_product = limit(
        1, RestrictionLevel.PRODUCT, RestrictionKpi.DISCOUNT, "1", used="1", product_sku="SKU-2"
    )
    other_category = limit(
        2, RestrictionLevel.CATEGORY, RestrictionKpi.REDEMPTION, "1", used="1", category_id="x"
    )
    this_product = limit(
        3, RestrictionLevel.PRODUCT, RestrictionKpi.DISCOUNT, "10", used="3", product_sku="SKU-1"
    )

    decision = check_limits(
        [other_product, other_category, this_product], REQUEST, transaction_seen=False
    )

    assert decision == Rejected(RejectionCode.LIMIT_REACHED, this_product)


def test_the_fingerprint_ignores_only_the_idempotency_key() -> None:
    assert replace(REQUEST, idempotency_key="other").fingerprint() == REQUEST.fingerprint()
    assert replace(REQUEST, amount=Decimal("7.51")).fingerprint() != REQUEST.fingerprint()
