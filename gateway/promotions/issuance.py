"""Giving customers a promotion: bulk issue, and earn (from activity, a milestone or a program).

Both apply to customer-issued promotions only (POS promotions reach customers through their tags),
and only to customers of the promotion's brand. Both are idempotent: issuing again changes
nothing; earning again unlocks the promotion and records the latest earn event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.db import RequestDb
from gateway.errors import ErrorCode, GatewayError, bad_input
from gateway.promotions.model import EarnedType, label

MAX_CUSTOMERS_PER_ISSUE = 1000

_PROMOTION_SQL = "SELECT brand_id, kind FROM promotions WHERE promotion_id = $1"

# $1 promotion, $2 customer ids (distinct), $3 brand, $4 now.
_ISSUE_SQL = """
WITH wanted AS (
    SELECT w.customer_id, w.ord
    FROM unnest($2::text[]) WITH ORDINALITY AS w(customer_id, ord)
), eligible AS (
    SELECT w.customer_id
    FROM wanted w
    JOIN customer_brands cb ON cb.customer_id = w.customer_id AND cb.brand_id = $3
), issued AS (
    INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time)
    SELECT customer_id, $1, $3, $4 FROM eligible ORDER BY customer_id
    ON CONFLICT (customer_id, promotion_id) DO NOTHING
    RETURNING customer_id
)
SELECT w.customer_id, e.customer_id IS NOT NULL AS eligible, i.customer_id IS NOT NULL AS issued
FROM wanted w
LEFT JOIN eligible e USING (customer_id)
LEFT JOIN issued i USING (customer_id)
ORDER BY w.ord
"""

# $1 customer, $2 promotion, $3 program or NULL, $4 now.
_EARN_FACTS_SQL = """
SELECT p.brand_id, p.kind,
       EXISTS (SELECT 1 FROM customer_brands cb
               WHERE cb.customer_id = $1 AND cb.brand_id = p.brand_id) AS customer_in_brand,
       lp.program_type,
       EXISTS (SELECT 1 FROM loyalty_memberships m
               WHERE m.customer_id = $1 AND m.program_id = $3
                 AND (m.expires_at IS NULL OR m.expires_at > $4)) AS is_member
FROM promotions p
LEFT JOIN loyalty_programs lp ON lp.program_id = $3
WHERE p.promotion_id = $2
"""

_EARN_SQL = """
INSERT INTO customer_promotions AS cp (customer_id, promotion_id, brand_id, earned_type,
                                       earned_status, valid_till, event_time, milestone_id,
                                       supplementary_program_id, supplementary_type)
VALUES ($1, $2, $3, $4, 'unlocked', $5, $6, $7, $8, $9)
ON CONFLICT (customer_id, promotion_id) DO UPDATE
SET earned_type = excluded.earned_type, earned_status = 'unlocked',
    valid_till = excluded.valid_till, event_time = excluded.event_time,
    milestone_id = excluded.milestone_id,
    supplementary_program_id = excluded.supplementary_program_id,
    supplementary_type = excluded.supplementary_type
RETURNING xmax = 0 AS created
"""


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    """Who got the promotion now, who already had it, who cannot have it (unknown customers and
    customers of another brand). Each list keeps the order of the request."""

    promotion_id: str
    issued: list[str]
    already_issued: list[str]
    not_eligible: list[str]


@dataclass(frozen=True, slots=True)
class EarnRequest:
    """An earn event (validated)."""

    customer_id: str
    promotion_id: str
    earned_type: EarnedType
    milestone_id: str | None
    event_time: datetime
    valid_till: datetime | None
    supplementary_program_id: str | None


async def _issuable_brand(db: RequestDb, promotion_id: str, field: str) -> str:
    row = await db.fetchrow(_PROMOTION_SQL, promotion_id)
    if row is None:
        raise GatewayError(
            ErrorCode.NOT_FOUND, f"{field}: no such promotion", extensions={"field": field}
        )
    return _require_issued(row["brand_id"], row["kind"], field)


_KIND_NAMES = {"pos": "a POS promotion", "all_loyalty": "a promotion for all loyalty customers"}


def _require_issued(brand_id: str, kind: str, field: str) -> str:
    if kind != "issued":
        raise bad_input(
            field, f"is {_KIND_NAMES[kind]}: only customer-issued promotions are issued or earned"
        )
    return brand_id


async def issue(
    db: RequestDb, promotion_id: str, customer_ids: Sequence[str], now: datetime
) -> IssueOutcome:
    """Issue a customer-issued promotion to many customers at once, in one statement.

    Example, in a resolver::

        await issue(ctx.db, "acme-welcome10", ["demo-b2c", "nobody"], ctx.now)
        # -> IssueOutcome(promotion_id='acme-welcome10', issued=['demo-b2c'], already_issued=[],
        # ->              not_eligible=['nobody'])
    """
    brand_id = await _issuable_brand(db, promotion_id, "promotionId")
    rows = await db.fetch(_ISSUE_SQL, promotion_id, list(customer_ids), brand_id, now)
    outcome = IssueOutcome(promotion_id, [], [], [])
    for row in rows:
        if row["issued"]:
            outcome.issued.append(row["customer_id"])
        elif row["eligible"]:
            outcome.already_issued.append(row["customer_id"])
        else:
            outcome.not_eligible.append(row["customer_id"])
    return outcome


async def earn(db: RequestDb, request: EarnRequest, now: datetime) -> bool:
    """Record an earn event; True when the customer did not hold the promotion before.

    Example, in a resolver::

        await earn(ctx.db, EarnRequest("demo-b2c", "acme-birthday", EarnedType.REWARD, ...), now)
        # -> True
    """
    facts = await db.fetchrow(
        _EARN_FACTS_SQL,
        request.customer_id,
        request.promotion_id,
        request.supplementary_program_id,
        now,
    )
    if facts is None:
        raise GatewayError(
            ErrorCode.NOT_FOUND,
            "input.promotionId: no such promotion",
            extensions={"field": "input.promotionId"},
        )
    brand_id = _require_issued(facts["brand_id"], facts["kind"], "input.promotionId")
    if not facts["customer_in_brand"]:
        raise GatewayError(
            ErrorCode.NOT_FOUND,
            "input.customerId: no customer with this id in the promotion's brand",
            extensions={"field": "input.customerId"},
        )
    program_type = _check_program(request, facts["program_type"], facts["is_member"])
    created: bool = await db.fetchval(
        _EARN_SQL,
        request.customer_id,
        request.promotion_id,
        brand_id,
        label(request.earned_type),
        request.valid_till,
        request.event_time,
        request.milestone_id,
        request.supplementary_program_id,
        program_type,
    )
    return created


def _check_program(request: EarnRequest, program_type: str | None, is_member: bool) -> str | None:
    if request.supplementary_program_id is None:
        return None
    field = "input.supplementaryCriteria.loyaltyProgramId"
    if program_type is None:
        raise GatewayError(
            ErrorCode.NOT_FOUND, f"{field}: no such loyalty program", extensions={"field": field}
        )
    if program_type == "default":
        raise bad_input(field, "is the default program, not a supplementary one")
    if not is_member:
        raise bad_input(field, "the customer is not a member of this program")
    return program_type
