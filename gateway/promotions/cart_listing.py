"""The cart listing of one customer: their promotions, and their limits and programs when asked.

``Query.cartPromotions`` and ``Customer.cartPromotions`` both list through here. Everything goes
through the request's loaders, so listing many customers (federation) is one query, and limits
and programs are read for the whole list at once (one query each), only when asked for.
"""

from __future__ import annotations

from collections.abc import Collection

from gateway.auth.principal import Scope
from gateway.promotions import inputs
from gateway.promotions.listing import CartPromotionRecord
from gateway.promotions.model import PromotionStatus
from gateway.promotions.ports import PromotionsRequest
from gateway.promotions.programs import LoyaltyProgramRecord
from gateway.promotions.restrictions import RestrictionState


async def list_cart(
    ctx: PromotionsRequest,
    customer_id: str,
    include_supplementary: bool,
    status: Collection[PromotionStatus] | None,
    *,
    with_restrictions: bool,
    with_programs: bool,
) -> list[CartPromotionRecord]:
    """The cart promotions ``customer_id`` sees, optionally only those with one of ``status``.

    An unknown customer sees none. The limits (``with_restrictions``) and supplementary
    programs (``with_programs``) of every listed promotion are read in one query each, and
    come with each record (``CartPromotionRecord.with_reads``).
    """
    inputs.customer_id("customerId", customer_id)
    ctx.principal.require(Scope.READ, "cartPromotions")
    ctx.cache.read_customer(customer_id)
    loaders = ctx.loaders.promotions
    records = await loaders.cart_promotions.load((customer_id, include_supplementary))
    # Restrictions read the promotions' shared counters; statuses change with time.
    ctx.cache.read_promotions(record.promotion_id for record in records)
    for record in records:
        ctx.cache.valid_until(record.changes_at)
    wanted = None if status is None else frozenset(status)
    principal = ctx.principal
    listed = [
        record
        for record in records
        if (wanted is None or record.promotion_status in wanted)
        and principal.may_see_brand(record.brand_id)
    ]
    # Both batches are queued before either is awaited, so they run side by side.
    pending_states = (
        loaders.restrictions.load(tuple((r.customer_id, r.promotion_id, None) for r in listed))
        if with_restrictions and listed
        else None
    )
    program_ids = (
        sorted({r.criteria_program_id for r in listed if r.criteria_program_id})
        if with_programs
        else []
    )
    pending_programs = loaders.programs.load_many(program_ids) if program_ids else None
    if pending_states is None and not with_programs:
        return listed
    states: list[list[RestrictionState] | None] = (
        list(await pending_states) if pending_states is not None else [None] * len(listed)
    )
    programs: dict[str, LoyaltyProgramRecord | None] = (
        dict(zip(program_ids, await pending_programs, strict=True))
        if pending_programs is not None
        else {}
    )
    return [
        record.with_reads(
            found,
            with_programs,
            programs.get(record.criteria_program_id) if record.criteria_program_id else None,
        )
        for record, found in zip(listed, states, strict=True)
    ]
