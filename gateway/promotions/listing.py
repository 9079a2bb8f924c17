"""Which promotions a customer sees (REFERENCE B), for many customers in one query.

A customer sees, from the brands they belong to:
- promotions issued to or earned by them (``customer_promotions``), whatever their status;
- POS promotions tagged to the tier of one of their live loyalty memberships;
- POS promotions tagged to one of their supplementary programs, only when asked
  (``include_supplementary``), as are tier tags of a supplementary program.
Never: promotions for all loyalty customers, POS promotions without a tag that reaches them.
A promotion reached several ways is listed once: issued first, then tier, then program.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.db import Record, RequestDb
from gateway.promotions.model import (
    ApplicationMode,
    EarnedStatus,
    EarnedType,
    PromotionStatus,
    members_by_label,
)
from gateway.promotions.status import earned_status, promotion_status

_EARNED_TYPES = members_by_label(EarnedType)
_APPLICATION_MODES = members_by_label(ApplicationMode)

# (customer_id, include_supplementary)
ListingKey = tuple[str, bool]

# $1 customer ids, $2 include-supplementary flags (same length), $3 now,
# $4 one promotion id or NULL for all of them.
LISTING_SQL = """
WITH request AS (
    SELECT k.customer_id, k.include_supplementary, k.ord
    FROM unnest($1::text[], $2::boolean[])
         WITH ORDINALITY AS k(customer_id, include_supplementary, ord)
),
membership AS (
    SELECT m.customer_id, m.program_id, m.tier_id, m.expires_at,
           lp.program_type <> 'default' AS is_supplementary
    FROM loyalty_memberships m
    JOIN loyalty_programs lp USING (program_id)
    WHERE m.customer_id = ANY($1::text[]) AND (m.expires_at IS NULL OR m.expires_at > $3)
),
reach AS (
    SELECT cp.customer_id, cp.promotion_id, 1 AS route, 'issued'::promotion_kind AS kind,
           cp.earned_type, cp.earned_status, cp.valid_till, cp.event_time,
           cp.milestone_id, cp.supplementary_program_id AS criteria_program_id,
           false AS needs_supplementary
    FROM customer_promotions cp
    WHERE cp.customer_id = ANY($1::text[])
    UNION ALL
    SELECT m.customer_id, t.promotion_id, 2, 'pos', 'tier', 'unlocked', m.expires_at, NULL,
           NULL, CASE WHEN m.is_supplementary THEN m.program_id END, m.is_supplementary
    FROM membership m
    JOIN promotion_tiers t ON t.program_id = m.program_id AND t.tier_id = m.tier_id
    UNION ALL
    SELECT m.customer_id, pp.promotion_id, 3, 'pos', 'loyalty', 'unlocked', m.expires_at, NULL,
           NULL, m.program_id, true
    FROM membership m
    JOIN promotion_programs pp ON pp.program_id = m.program_id
),
listed AS (
    SELECT DISTINCT ON (r.ord, p.promotion_id)
           r.ord, r.customer_id, p.promotion_id, p.brand_id, p.name, p.is_active,
           p.starts_at, p.ends_at,
           p.application_mode, p.custom_field_values, p.target_group_id, p.priority,
           coalesce(x.milestone_id, p.milestone_id) AS milestone_id,
           least(x.valid_till, p.ends_at) AS valid_till,
           x.earned_type, x.earned_status, x.event_time, x.criteria_program_id
    FROM request r
    JOIN reach x ON x.customer_id = r.customer_id
                AND (r.include_supplementary OR NOT x.needs_supplementary)
    JOIN promotions p ON p.promotion_id = x.promotion_id AND p.kind = x.kind
    JOIN customer_brands cb ON cb.customer_id = r.customer_id AND cb.brand_id = p.brand_id
    WHERE $4::text IS NULL OR p.promotion_id = $4
    ORDER BY r.ord, p.promotion_id, x.route, x.criteria_program_id
)
SELECT * FROM listed
ORDER BY ord, priority DESC, valid_till ASC NULLS LAST, promotion_id
"""


@dataclass(frozen=True, slots=True)
class CartPromotionRecord:
    """One promotion as one customer sees it, statuses derived at ``now``."""

    customer_id: str
    promotion_id: str
    brand_id: str
    promotion_name: str
    promotion_status: PromotionStatus
    earned_type: EarnedType
    earned_status: EarnedStatus
    valid_till: datetime | None
    event_time: datetime | None
    milestone_id: str | None
    target_group_id: str | None
    application_mode: ApplicationMode
    custom_field_values: dict[str, Any]
    # The supplementary program it comes through, if any (the API's supplementaryCriteria).
    criteria_program_id: str | None
    # The next moment a status derived from ``now`` may change (a start, an end, a validTill);
    # None when none is ahead. Bounds how long a cached answer holds.
    changes_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Record, now: datetime) -> CartPromotionRecord:
        """Build from a row of ``LISTING_SQL``."""
        valid_till = row["valid_till"]
        ahead = [t for t in (row["starts_at"], row["ends_at"], valid_till) if t and t > now]
        return cls(
            customer_id=row["customer_id"],
            promotion_id=row["promotion_id"],
            brand_id=row["brand_id"],
            promotion_name=row["name"],
            promotion_status=promotion_status(
                is_active=row["is_active"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                now=now,
            ),
            earned_type=_EARNED_TYPES[row["earned_type"]],
            earned_status=earned_status(
                locked=row["earned_status"] == "locked", valid_till=valid_till, now=now
            ),
            valid_till=valid_till,
            event_time=row["event_time"],
            milestone_id=row["milestone_id"],
            target_group_id=row["target_group_id"],
            application_mode=_APPLICATION_MODES[row["application_mode"]],
            custom_field_values=row["custom_field_values"],
            criteria_program_id=row["criteria_program_id"],
            changes_at=min(ahead, default=None),
        )


async def fetch_cart_promotions(
    db: RequestDb, keys: Sequence[ListingKey], now: datetime
) -> list[list[CartPromotionRecord]]:
    """The promotions each (customer, include_supplementary) key sees, in key order: one query.

    Ordered by priority (highest first), then the earliest validTill, then id.

    Example, in a resolver::

        [promos] = await fetch_cart_promotions(ctx.db, [("demo-loyal", False)], ctx.now)
    """
    rows = await db.fetch(LISTING_SQL, [k[0] for k in keys], [k[1] for k in keys], now, None)
    found: list[list[CartPromotionRecord]] = [[] for _ in keys]
    for row in rows:
        found[row["ord"] - 1].append(CartPromotionRecord.from_row(row, now))
    return found
