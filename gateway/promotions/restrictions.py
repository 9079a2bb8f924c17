"""Redemption limits and what is left of them (REFERENCE C.3), for many promotions in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

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
SELECT k.ord, r.restriction_id, r.level, r.kpi, r.max_limit, r.product_sku, r.category_id,
       coalesce(CASE WHEN r.level = 'promotion' THEN pu.used ELSE cu.used END, 0) AS used
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


@dataclass(frozen=True, slots=True)
class RestrictionState:
    """One limit of a promotion and how much of it is used in the scope it was read for."""

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
        """(maxLimit, remaining) as the API shows them: whole numbers unless the limit sums
        discount amounts (then cents)."""
        exponent = _CENTS if self.kpi is RestrictionKpi.DISCOUNT else _WHOLE
        max_limit = self.max_limit
        return max_limit.quantize(exponent), max(_ZERO, max_limit - self.used).quantize(exponent)

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

    >>> [limits] = await fetch_restrictions(ctx.db, [("demo-loyal", "acme-welcome10", None)])
    """
    rows = await db.fetch(
        RESTRICTIONS_SQL, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]
    )
    found: list[list[RestrictionState]] = [[] for _ in keys]
    for row in rows:
        found[row["ord"] - 1].append(RestrictionState.from_row(row))
    return found
