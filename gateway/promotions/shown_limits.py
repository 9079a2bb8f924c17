"""A promotion's limits as a customer is shown them: the records the API's types view.

``gateway.schema.promotions``'s ``Restriction`` and ``PromotionRestrictions`` are views over the
tuples here: their plain fields read these attributes as they are, and only their ids are made
by a resolver, when a query selects them. A cart shows dozens of limits, and building an API
object for each (ids included) cost more than reading them.

>>> from decimal import Decimal
>>> from gateway.promotions.model import RestrictionKpi, RestrictionLevel
>>> from gateway.promotions.restrictions import RestrictionState
>>> state = RestrictionState(
...     7, RestrictionLevel.CUSTOMER, RestrictionKpi.REDEMPTION, Decimal("3.00"), Decimal(5)
... )
>>> shown = limits_by_level([state], "demo-loyal", "acme-welcome10")
>>> shown.customer[0].max_limit, shown.customer[0].remaining_redemption, shown.cart
(Decimal('3'), Decimal('0'), [])
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from gateway.promotions.model import RestrictionKpi, RestrictionLevel
from gateway.promotions.restrictions import RestrictionState, shown_amounts


class ShownLimit(NamedTuple):
    """One limit and what is left of it, rounded as shown (``shown_amounts``), with the keys
    its id is made of: the customer, the promotion and the cart scope it was read in."""

    level: RestrictionLevel
    kpi: RestrictionKpi
    max_limit: Decimal
    remaining_redemption: Decimal
    product_sku: str | None
    category_id: str | None
    customer_id: str
    promotion_id: str
    cart_scope: str | None

    @property
    def scope(self) -> str:
        """What tells this limit from others of its level and kpi: the cart scope at CART
        level, else its product or category ("" for none)."""
        if self.level is RestrictionLevel.CART:
            return self.cart_scope or ""
        return self.product_sku or self.category_id or ""


class LimitsByLevel(NamedTuple):
    """A promotion's shown limits grouped by level (absent levels are empty lists), with the
    keys their id is made of."""

    cart: list[ShownLimit]
    customer: list[ShownLimit]
    promotion: list[ShownLimit]
    product: list[ShownLimit]
    category: list[ShownLimit]
    customer_id: str
    promotion_id: str
    cart_scope: str | None


def shown_limit(
    state: RestrictionState, customer_id: str, promotion_id: str, cart_scope: str | None
) -> ShownLimit:
    """``state`` as ``customer_id`` is shown it (in the cart ``cart_scope``, if any)."""
    _, level, kpi, max_limit, used, product_sku, category_id = state
    shown_max, remaining = shown_amounts(kpi, max_limit, used)
    return ShownLimit(
        level, kpi, shown_max, remaining, product_sku, category_id, customer_id, promotion_id,
        cart_scope,
    )  # fmt: skip


def limits_by_level(
    states: Sequence[RestrictionState],
    customer_id: str,
    promotion_id: str,
    cart_scope: str | None = None,
) -> LimitsByLevel | None:
    """A promotion's limits grouped by level; None when it has none."""
    if not states:
        return None
    by_level: tuple[list[ShownLimit], ...] = ([], [], [], [], [])
    for state in states:
        by_level[_LEVEL_SLOTS[id(state.level)]].append(
            shown_limit(state, customer_id, promotion_id, cart_scope)
        )
    cart, customer, promotion, product, category = by_level
    return LimitsByLevel(
        cart, customer, promotion, product, category, customer_id, promotion_id, cart_scope
    )


# Enum members hash through a Python-level __hash__; their ids are plain ints (members are
# singletons), and a cart groups dozens of limits.
_LEVEL_SLOTS = {
    id(level): slot
    for slot, level in enumerate(
        (
            RestrictionLevel.CART,
            RestrictionLevel.CUSTOMER,
            RestrictionLevel.PROMOTION,
            RestrictionLevel.PRODUCT,
            RestrictionLevel.CATEGORY,
        )
    )
}
