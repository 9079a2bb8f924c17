"""A promotion as customers hold it after a write, with every limit: one query for all of them.

What a mutation returns (the changed ``CartPromotion`` with its restrictions at every level), read
on the primary in a single round trip whatever the number of customers or limits. Limits are read
as a listing reads them (no cart), so the objects carry the listing's ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.db import CountingConnection, RequestDb
from gateway.promotions.listing import LISTING_SQL, CartPromotionRecord
from gateway.promotions.restrictions import RestrictionState

# $1 customer ids, $2 include-supplementary flags (all true), $3 now, $4 the promotion. One row
# per limit (one row with NULL limit columns for a promotion without limits).
_READ_BACK_SQL = """
SELECT h.*, r.restriction_id, r.level, r.kpi, r.max_limit, r.product_sku, r.category_id,
       coalesce(CASE WHEN r.level = 'promotion' THEN pu.used ELSE cu.used END, 0) AS used
FROM held h
LEFT JOIN promotion_restrictions r ON r.promotion_id = h.promotion_id
LEFT JOIN promotion_restriction_usage pu ON pu.restriction_id = r.restriction_id
LEFT JOIN customer_restriction_usage cu
       ON cu.customer_id = h.customer_id
      AND cu.restriction_id = r.restriction_id
      AND r.level <> 'cart'
      AND cu.scope_key = ''
ORDER BY h.ord, r.level, r.kpi, r.product_sku, r.category_id, r.restriction_id
"""
HELD_SQL = "WITH held AS (" + LISTING_SQL + ")" + _READ_BACK_SQL


@dataclass(frozen=True, slots=True)
class HeldPromotion:
    """One customer's promotion and its limits (empty: none), as a listing shows them."""

    record: CartPromotionRecord
    restrictions: list[RestrictionState]


async def fetch_held(
    db: RequestDb | CountingConnection,
    customer_ids: Sequence[str],
    promotion_id: str,
    now: datetime,
) -> list[HeldPromotion | None]:
    """``promotion_id`` as each customer holds it (None: they do not), in order: one query.

    Example, in a coroutine::

        [held] = await fetch_held(conn, ["demo-loyal"], "acme-welcome10", now)
    """
    rows = await db.fetch(
        HELD_SQL, list(customer_ids), [True] * len(customer_ids), now, promotion_id
    )
    found: list[HeldPromotion | None] = [None] * len(customer_ids)
    for row in rows:
        slot = row["ord"] - 1
        held = found[slot]
        if held is None:
            held = found[slot] = HeldPromotion(CartPromotionRecord.from_row(row, now), [])
        if row["restriction_id"] is not None:
            held.restrictions.append(RestrictionState.from_row(row))
    return found
