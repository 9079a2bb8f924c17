"""Redemption limits and what is left of them (REFERENCE C.3), for many promotions in one query."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from gateway.db import Record, RequestDb
from gateway.promotions.model import RestrictionKpi, RestrictionLevel, members_by_label

# (customer_id, promotion_id, cart scope or None). Without a cart, CART-level limits are unused.
RestrictionsKey = tuple[str, str, str | None]

_ZERO = Decimal(0)
_WHOLE = Decimal(1)
_CENTS = Decimal("0.01")
_LEVELS = members_by_label(RestrictionLevel)
_KPIS = members_by_label(RestrictionKpi)

# $1 customer ids, $2 promotion ids, $3 cart scopes (NULL: none), all the same length.
RESTRICTIONS_SQL = """
SELECT k.ord, r.restriction_id, r.level, r.kpi, r.max_limit,
       coalesce(CASE WHEN r.level = 'promotion' THEN pu.used ELSE cu.used END, 0) AS used,
       r.product_sku, r.category_id
FROM unnest($1::text[], $2::text[], $3::text[])
     WITH ORDINALITY AS k(customer_id, promotion_id, cart_scope, ord)
JOIN promotion_restrictions r ON r.promotion_id = k.promotion_id
LEFT JOIN promotion_restriction_usage pu ON pu.restriction_id = r.restriction_id
LEFT JOIN customer_restriction_usage cu
       ON cu.customer_id = k.customer_id
      AND cu.restriction_id = r.restriction_id
      AND cu.scope_key = CASE WHEN r.level = 'cart' THEN k.cart_scope ELSE '' END
ORDER BY k.ord, r.level, r.kpi, r.product_sku, r.category_id, r.restriction_id
"""


class RestrictionState(NamedTuple):
    """One limit of a promotion and how much of it is used in the scope it was read for.

    A tuple rather than a frozen dataclass: a cart reads dozens, and a frozen dataclass sets
    each field through ``object.__setattr__`` (1.5 µs a limit against 0.3 µs).
    """

    restriction_id: int
    level: RestrictionLevel
    kpi: RestrictionKpi
    max_limit: Decimal
    used: Decimal
    product_sku: str | None = None
    category_id: str | None = None

    @property
    def remaining(self) -> Decimal:
        """max(0, maxLimit - used), shown as a whole number unless it sums discount amounts."""
        return self.shown()[1]

    def shown(self) -> tuple[Decimal, Decimal]:
        """(maxLimit, remaining) as the API shows them (``shown_amounts``)."""
        return shown_amounts(self.kpi, self.max_limit, self.used)

    @classmethod
    def from_row(cls, row: Record) -> RestrictionState:
        """Build from a row of ``RESTRICTIONS_SQL`` (or any row with the same columns)."""
        return cls(
            restriction_id=row["restriction_id"],
            level=_LEVELS[row["level"]],
            kpi=_KPIS[row["kpi"]],
            max_limit=row["max_limit"],
            used=row["used"],
            product_sku=row["product_sku"],
            category_id=row["category_id"],
        )


async def fetch_restrictions(
    db: RequestDb, keys: Sequence[RestrictionsKey]
) -> list[list[RestrictionState]]:
    """The limits of each key's promotion with the key's usage, in key order: one query.

    An empty list means the promotion has no limit.

    Example, in a resolver::

        [limits] = await fetch_restrictions(ctx.db, [("demo-loyal", "acme-welcome10", None)])
    """
    rows = await db.fetch(
        RESTRICTIONS_SQL, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]
    )
    found: list[list[RestrictionState]] = [[] for _ in keys]
    # By position (the columns of RESTRICTIONS_SQL): a row read by column name costs a lookup
    # per field, and a cart reads dozens of limits. A replica read appends columns of its own.
    for row in rows:
        ordinal, restriction_id, level, kpi, max_limit, used, product_sku, category_id = row[:8]
        found[ordinal - 1].append(
            RestrictionState(
                restriction_id, _LEVELS[level], _KPIS[kpi], max_limit, used, product_sku,
                category_id,
            )
        )  # fmt: skip
    return found


def shown_amounts(
    kpi: RestrictionKpi, max_limit: Decimal, used: Decimal
) -> tuple[Decimal, Decimal]:
    """(maxLimit, max(0, maxLimit - used)) as the API shows them: whole numbers unless the limit
    sums discount amounts (then cents).

    >>> shown_amounts(RestrictionKpi.REDEMPTION, Decimal(3), Decimal(5))
    (Decimal('3'), Decimal('0'))
    """
    exponent = _CENTS if kpi is RestrictionKpi.DISCOUNT else _WHOLE
    remaining = max_limit - used
    if remaining <= _ZERO:  # max(0, ...): 0 itself, never a -0 from the subtraction
        remaining = _ZERO
    return max_limit.quantize(exponent), remaining.quantize(exponent)
