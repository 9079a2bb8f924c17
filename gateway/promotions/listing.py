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
from datetime import datetime
from typing import Any, NamedTuple

from gateway.db import Record, RequestDb
from gateway.promotions.model import (
    ApplicationMode,
    EarnedStatus,
    EarnedType,
    PromotionStatus,
    members_by_label,
)
from gateway.promotions.programs import LoyaltyProgramRecord
from gateway.promotions.restrictions import RestrictionState
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


class CartPromotionRecord(NamedTuple):
    """One promotion as one customer sees it, statuses derived at ``now``.

    A tuple rather than a frozen dataclass: a frozen dataclass sets each of its 15 fields through
    ``object.__setattr__``, which made building a cart's records cost twice as much.
    """

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
    # What was read beside it, for the whole listing at once, when asked (``with_reads``): its
    # limits (None: not read; empty: it has none) and its supplementary program.
    limits: list[RestrictionState] | None = None
    program_read: bool = False
    program: LoyaltyProgramRecord | None = None

    def with_reads(
        self,
        limits: list[RestrictionState] | None,
        program_read: bool = False,
        program: LoyaltyProgramRecord | None = None,
    ) -> CartPromotionRecord:
        """This record with what was read beside it (a copy: records are shared by the request's
        loaders)."""
        return _new_tuple(
            CartPromotionRecord, (*self[:_LISTED_FIELDS], limits, program_read, program)
        )

    @classmethod
    def from_row(cls, row: Record, now: datetime) -> CartPromotionRecord:
        """Build from a row with the columns of ``LISTING_SQL`` (read by name)."""
        return cls.from_values(
            now,
            row["customer_id"], row["promotion_id"], row["brand_id"], row["name"],
            row["is_active"], row["starts_at"], row["ends_at"], row["application_mode"],
            row["custom_field_values"], row["target_group_id"], row["milestone_id"],
            row["valid_till"], row["earned_type"], row["earned_status"], row["event_time"],
            row["criteria_program_id"],
        )  # fmt: skip

    @classmethod
    def from_values(
        cls,
        now: datetime,
        customer_id: str,
        promotion_id: str,
        brand_id: str,
        name: str,
        is_active: bool,
        starts_at: datetime | None,
        ends_at: datetime | None,
        application_mode: str,
        custom_field_values: dict[str, Any],
        target_group_id: str | None,
        milestone_id: str | None,
        valid_till: datetime | None,
        earned_type: str,
        stored_earned_status: str,
        event_time: datetime | None,
        criteria_program_id: str | None,
    ) -> CartPromotionRecord:
        """Statuses derived at ``now``, from a ``LISTING_SQL`` row's columns (in their order, less
        ``ord`` and ``priority``)."""
        ahead = [t for t in (starts_at, ends_at, valid_till) if t and t > now]
        return cls(
            customer_id,
            promotion_id,
            brand_id,
            name,
            promotion_status(is_active=is_active, starts_at=starts_at, ends_at=ends_at, now=now),
            _EARNED_TYPES[earned_type],
            earned_status(locked=stored_earned_status == "locked", valid_till=valid_till, now=now),
            valid_till,
            event_time,
            milestone_id,
            target_group_id,
            _APPLICATION_MODES[application_mode],
            custom_field_values,
            criteria_program_id,
            min(ahead, default=None),
        )


_new_tuple = tuple.__new__
# The fields a listing query fills (through changes_at); the reads beside it follow.
_LISTED_FIELDS = 15


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
    # By position: LISTING_SQL's columns less ord and priority (a row read by column name costs a
    # lookup per field; a replica read appends columns of its own).
    from_values = CartPromotionRecord.from_values
    for row in rows:
        found[row[0] - 1].append(from_values(now, *row[1:11], *row[12:18]))
    return found
