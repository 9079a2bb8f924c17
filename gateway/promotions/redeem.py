"""Redeeming a cart promotion: every applicable limit checked and consumed in one transaction.

Why no limit can be exceeded, under any concurrency:
- the customer's row is locked first (``FOR NO KEY UPDATE``): one redemption per customer at a
  time, so their idempotency key, their transactions and every customer-scoped counter (CART,
  CUSTOMER, PRODUCT, CATEGORY) stay as read until commit;
- then the promotion's shared PROMOTION-level counters are locked, in restriction id order, by an
  upsert that returns their latest committed value;
- the decision is made on those values (``decision``), and the ledger row and every counter are
  written in one statement, then committed.
Locks are always taken in the order customer → shared counters by id, so there is no deadlock;
the shared counters are held for two statements only.

Idempotency: the attempt is stored under (customer, idempotency key) with a hash of the request.
A retry returns the stored outcome (``replayed``) and consumes nothing; the same key with another
request is a CONFLICT error. An attempt for an unknown customer or promotion is not stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from gateway.db import CountingConnection, Record, RequestDb
from gateway.errors import ErrorCode, GatewayError
from gateway.promotions.decision import (
    Accepted,
    RedemptionRequest,
    Rejected,
    check_holding,
    check_limits,
)
from gateway.promotions.held import HeldPromotion, fetch_held
from gateway.promotions.listing import LISTING_SQL, CartPromotionRecord
from gateway.promotions.model import RejectionCode, RestrictionLevel, label
from gateway.promotions.restrictions import RESTRICTIONS_SQL, RestrictionState

_LOCK_CUSTOMER_SQL = "SELECT true FROM customers WHERE customer_id = $1 FOR NO KEY UPDATE"

# $1 customer, $2 idempotency key, $3 promotion, $4 transaction.
_PRIOR_SQL = """
SELECT EXISTS (SELECT 1 FROM promotions WHERE promotion_id = $3) AS promotion_exists,
       EXISTS (SELECT 1 FROM redemptions t
               WHERE t.customer_id = $1 AND t.promotion_id = $3 AND t.transaction_id = $4
                 AND t.outcome = 'redeemed') AS transaction_seen,
       a.redemption_id, a.request_hash, a.outcome, a.attempted_at, a.rejected_remaining,
       r.restriction_id, r.level, r.kpi, r.max_limit, r.product_sku, r.category_id,
       r.max_limit - a.rejected_remaining AS used
FROM (SELECT) AS one
LEFT JOIN redemptions a ON a.customer_id = $1 AND a.idempotency_key = $2
LEFT JOIN promotion_restrictions r ON r.restriction_id = a.rejected_restriction_id
"""

# Creates missing counters, locks them in id order and returns their latest committed value
# (ON CONFLICT DO UPDATE always acts on the latest row version).
_LOCK_SHARED_SQL = """
INSERT INTO promotion_restriction_usage AS u (restriction_id, used)
SELECT id, 0 FROM unnest($1::bigint[]) AS id ORDER BY id
ON CONFLICT (restriction_id) DO UPDATE SET used = u.used
RETURNING restriction_id, used
"""

_RECORD_SQL = """
WITH attempt AS (
    INSERT INTO redemptions (customer_id, idempotency_key, promotion_id, request_hash, outcome,
                             transaction_id, cart_id, amount, product_sku, category_id,
                             rejected_restriction_id, rejected_remaining, attempted_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    RETURNING redemption_id
), shared AS (
    UPDATE promotion_restriction_usage u SET used = u.used + c.amount
    FROM unnest($14::bigint[], $15::numeric[]) AS c(restriction_id, amount)
    WHERE u.restriction_id = c.restriction_id
), own AS (
    INSERT INTO customer_restriction_usage AS u (customer_id, restriction_id, scope_key, used)
    SELECT $1, c.restriction_id, c.scope_key, c.amount
    FROM unnest($16::bigint[], $17::text[], $18::numeric[]) AS c(restriction_id, scope_key, amount)
    ON CONFLICT (customer_id, restriction_id, scope_key) DO UPDATE SET used = u.used + excluded.used
)
SELECT redemption_id FROM attempt
"""


@dataclass(frozen=True, slots=True)
class RedemptionOutcome:
    """What became of a redemption request.

    ``rejection`` is None when redeemed; ``restriction`` is the full limit of a LIMIT_REACHED
    (its usage as it was then); ``redemption_id`` is None when nothing was stored.
    """

    request: RedemptionRequest
    redemption_id: int | None
    attempted_at: datetime
    rejection: RejectionCode | None = None
    restriction: RestrictionState | None = None
    replayed: bool = False
    # With ``read_back``: the promotion as the customer holds it after the attempt (None: they
    # do not hold it).
    held: HeldPromotion | None = None


async def redeem(
    db: RequestDb, request: RedemptionRequest, now: datetime, *, read_back: bool = False
) -> RedemptionOutcome:
    """Redeem ``request`` at ``now``: consume every applicable limit, or none and say why.

    ``read_back`` also reads the promotion with all its limits after the attempt: one more round
    trip on the same connection, after COMMIT (so no lock is held for it, and it sees the write).

    Example, in a resolver::

        outcome = await redeem(ctx.db, request, ctx.now)
        outcome.rejection is None
        # -> True
    """
    async with db.connection() as conn:
        async with conn.transaction():
            outcome = await _attempt(conn, request, now)
        if read_back:
            [held] = await fetch_held(conn, [request.customer_id], request.promotion_id, now)
            outcome = replace(outcome, held=held)
    return outcome


async def _attempt(
    conn: CountingConnection, request: RedemptionRequest, now: datetime
) -> RedemptionOutcome:
    """The redemption, inside its transaction."""
    if not await conn.fetchval(_LOCK_CUSTOMER_SQL, request.customer_id):
        return RedemptionOutcome(request, None, now, RejectionCode.NOT_ISSUED)
    prior = await conn.fetchrow(
        _PRIOR_SQL,
        request.customer_id,
        request.idempotency_key,
        request.promotion_id,
        request.transaction_id,
    )
    assert prior is not None  # one row, always
    if prior["redemption_id"] is not None:
        return _replay(prior, request)
    if not prior["promotion_exists"]:
        return RedemptionOutcome(request, None, now, RejectionCode.NOT_ISSUED)

    decision: Accepted | Rejected | None = check_holding(await _holding(conn, request, now))
    if decision is None:
        restrictions = await _locked_restrictions(conn, request)
        decision = check_limits(restrictions, request, transaction_seen=prior["transaction_seen"])
    redemption_id = await _record(conn, request, decision, now)
    if isinstance(decision, Rejected):
        return RedemptionOutcome(request, redemption_id, now, decision.code, decision.restriction)
    return RedemptionOutcome(request, redemption_id, now)


async def _holding(
    conn: CountingConnection, request: RedemptionRequest, now: datetime
) -> CartPromotionRecord | None:
    # Exactly what cartPromotions(includeSupplementary: true) would list for this promotion.
    row = await conn.fetchrow(LISTING_SQL, [request.customer_id], [True], now, request.promotion_id)
    return None if row is None else CartPromotionRecord.from_row(row, now)


async def _locked_restrictions(
    conn: CountingConnection, request: RedemptionRequest
) -> list[RestrictionState]:
    rows = await conn.fetch(
        RESTRICTIONS_SQL, [request.customer_id], [request.promotion_id], [request.cart_id]
    )
    restrictions = [RestrictionState.from_row(row) for row in rows]
    shared = [r.restriction_id for r in restrictions if r.level is RestrictionLevel.PROMOTION]
    if not shared:
        return restrictions
    latest = {
        row["restriction_id"]: row["used"] for row in await conn.fetch(_LOCK_SHARED_SQL, shared)
    }
    return [
        r._replace(used=latest[r.restriction_id]) if r.restriction_id in latest else r
        for r in restrictions
    ]


async def _record(
    conn: CountingConnection,
    request: RedemptionRequest,
    decision: Accepted | Rejected,
    now: datetime,
) -> int:
    shared: list[tuple[int, Decimal]] = []
    own: list[tuple[int, str, Decimal]] = []
    if isinstance(decision, Accepted):
        for item in decision.consumptions:
            restriction = item.restriction
            if restriction.level is RestrictionLevel.PROMOTION:
                shared.append((restriction.restriction_id, item.amount))
            else:
                scope = request.cart_id if restriction.level is RestrictionLevel.CART else ""
                own.append((restriction.restriction_id, scope, item.amount))
        outcome, limit = "redeemed", None
    else:
        outcome, limit = label(decision.code), decision.restriction
    redemption_id: int = await conn.fetchval(
        _RECORD_SQL,
        request.customer_id,
        request.idempotency_key,
        request.promotion_id,
        request.fingerprint(),
        outcome,
        request.transaction_id,
        request.cart_id,
        request.amount,
        request.product_sku,
        request.category_id,
        None if limit is None else limit.restriction_id,
        None if limit is None else limit.remaining,
        now,
        [s[0] for s in shared],
        [s[1] for s in shared],
        [o[0] for o in own],
        [o[1] for o in own],
        [o[2] for o in own],
    )
    return redemption_id


def _replay(prior: Record, request: RedemptionRequest) -> RedemptionOutcome:
    if bytes(prior["request_hash"]) != request.fingerprint():
        raise GatewayError(
            ErrorCode.CONFLICT,
            "idempotencyKey: already used for a different redemption request",
            extensions={"field": "idempotencyKey"},
        )
    outcome = prior["outcome"]
    restriction = None if prior["restriction_id"] is None else RestrictionState.from_row(prior)
    return RedemptionOutcome(
        request,
        prior["redemption_id"],
        prior["attempted_at"],
        None if outcome == "redeemed" else RejectionCode(outcome),
        restriction,
        replayed=True,
    )
