"""Cart promotions: ``Query.cartPromotions`` and the issue / earn / redeem mutations.

``CartPromotion``, ``PromotionRestrictions`` and ``Restriction`` are views over the domain's
records (``gateway.schema.views``): resolvers return ``CartPromotionRecord`` and
``gateway.promotions.shown_limits``'s tuples as they are, scalar fields read their attributes,
and ids are computed by a function of the record only when a query selects them.
``restrictions`` and ``supplementaryCriteria`` come with the records when the listing read them
(one query each for the whole list), else through per-request loaders; nothing when not selected.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from gateway.auth.principal import Scope
from gateway.auth.scoping import require_promotion_access
from gateway.context import Context
from gateway.identity import global_id
from gateway.loaders.base import then
from gateway.promotions import inputs
from gateway.promotions.cart_listing import list_cart
from gateway.promotions.decision import RedemptionRequest
from gateway.promotions.held import HeldPromotion, fetch_held
from gateway.promotions.issuance import MAX_CUSTOMERS_PER_ISSUE, EarnRequest, earn, issue
from gateway.promotions.listing import CartPromotionRecord
from gateway.promotions.model import label
from gateway.promotions.programs import LoyaltyProgramRecord
from gateway.promotions.redeem import RedemptionOutcome, redeem
from gateway.promotions.shown_limits import (
    LimitsByLevel,
    ShownLimit,
    limits_by_level,
    shown_limit,
)
from gateway.schema.enums import (
    ApplicationMode,
    EarnedStatus,
    EarnedType,
    ProgramType,
    PromotionStatus,
    RejectionCode,
    RestrictionKpi,
    RestrictionLevel,
)
from gateway.schema.info import Info, selected_names
from gateway.schema.node import ID_DESCRIPTION, Node
from gateway.schema.views import viewing


def _restriction_id(root: ShownLimit) -> strawberry.ID:
    return strawberry.ID(
        global_id(
            "Restriction",
            root.customer_id,
            root.promotion_id,
            label(root.level),
            label(root.kpi),
            root.scope,
        )
    )


@strawberry.type(description="One limit on redeeming a promotion, and what is left of it.")
class Restriction(Node):
    """A view of ``gateway.promotions.shown_limits.ShownLimit``: resolvers return the record."""

    id: strawberry.ID = strawberry.field(
        resolver=_restriction_id,
        description=ID_DESCRIPTION,
    )
    level: RestrictionLevel = strawberry.field(description="What the limit is counted over.")
    kpi: RestrictionKpi = strawberry.field(description="What the limit counts.")
    max_limit: Decimal = strawberry.field(
        description="The limit: a count, or an amount for the DISCOUNT kpi."
    )
    remaining_redemption: Decimal = strawberry.field(
        description="max(0, maxLimit - used). CART level: maxLimit (no cart is in question)."
    )
    product_sku: str | None = strawberry.field(description="The product, at PRODUCT level.")
    category_id: str | None = strawberry.field(description="The category, at CATEGORY level.")

    is_type_of = viewing(ShownLimit)


def _restrictions_id(root: LimitsByLevel) -> strawberry.ID:
    return strawberry.ID(
        global_id(
            "PromotionRestrictions", root.customer_id, root.promotion_id, root.cart_scope or ""
        )
    )


@strawberry.type(description="A promotion's limits, by level. Absent levels are empty lists.")
class PromotionRestrictions(Node):
    """A view of ``gateway.promotions.shown_limits.LimitsByLevel``."""

    id: strawberry.ID = strawberry.field(
        resolver=_restrictions_id,
        description=ID_DESCRIPTION,
    )
    cart: list[Restriction] = strawberry.field(description="Per cart (or transaction).")
    customer: list[Restriction] = strawberry.field(description="This customer's use.")
    promotion: list[Restriction] = strawberry.field(description="All customers together.")
    product: list[Restriction] = strawberry.field(
        description="Per product (DISCOUNT kpi only), for this customer."
    )
    category: list[Restriction] = strawberry.field(
        description="Per category (REDEMPTION kpi only), for this customer."
    )

    is_type_of = viewing(LimitsByLevel)


def as_restrictions(limits: LimitsByLevel | None) -> PromotionRestrictions | None:
    """``limits`` as the type that views it, for a resolver's annotation (no object is built)."""
    return cast(PromotionRestrictions | None, limits)


def load_restrictions(
    ctx: Context, customer_id: str, promotion_id: str
) -> asyncio.Future[LimitsByLevel | None]:
    """The customer's view of a promotion's limits, through the request's batching loader."""
    loaded = ctx.loaders.promotions.restrictions.load(((customer_id, promotion_id, None),))
    return then(loaded, lambda found: limits_by_level(found[0], customer_id, promotion_id))


def _criteria_id(root: LoyaltyProgramRecord) -> strawberry.ID:
    return strawberry.ID(global_id("SupplementaryCriteria", root.program_id))


def _loyalty_program_id(root: LoyaltyProgramRecord) -> strawberry.ID:
    return strawberry.ID(root.program_id)


@strawberry.type(description="The supplementary loyalty program a promotion comes through.")
class SupplementaryCriteria:
    """A view of ``gateway.promotions.programs.LoyaltyProgramRecord``."""

    id: strawberry.ID = strawberry.field(
        resolver=_criteria_id,
        description="Unique across the schema, one per program; opaque (do not parse).",
    )
    loyalty_program_id: strawberry.ID = strawberry.field(
        resolver=_loyalty_program_id, description="The loyalty program."
    )
    program_type: ProgramType = strawberry.field(description="The kind of program.")
    partner_program_id: strawberry.ID | None = strawberry.field(
        description="The partner's program id, for a partner program."
    )

    is_type_of = viewing(LoyaltyProgramRecord)


def as_criteria(program: LoyaltyProgramRecord | None) -> SupplementaryCriteria | None:
    """``program`` as the type that views it (no object is built)."""
    return cast(SupplementaryCriteria | None, program)


def load_criteria(ctx: Context, program_id: str) -> asyncio.Future[LoyaltyProgramRecord | None]:
    """The supplementary program ``program_id``, through the request's batching loader."""
    return ctx.loaders.promotions.programs.load(program_id)


def _cart_promotion_id(root: CartPromotionRecord) -> strawberry.ID:
    return strawberry.ID(global_id("CartPromotion", root.customer_id, root.promotion_id))


def promotion_restrictions(root: CartPromotionRecord, info: Info) -> PromotionRestrictions | None:
    """``CartPromotion.restrictions``: as read with the list, else through the request's loader."""
    if root.limits is not None:  # read with the list
        return as_restrictions(limits_by_level(root.limits, root.customer_id, root.promotion_id))
    # Not read with the list: the executor awaits the returned future.
    return load_restrictions(info.context, root.customer_id, root.promotion_id)  # type: ignore[return-value]


def promotion_criteria(root: CartPromotionRecord, info: Info) -> SupplementaryCriteria | None:
    """``CartPromotion.supplementaryCriteria``: as read with the list, else through the loader."""
    if root.program_read:
        return as_criteria(root.program)
    if root.criteria_program_id is None:
        return None
    return load_criteria(info.context, root.criteria_program_id)  # type: ignore[return-value]


@strawberry.type(description="A cart promotion as one customer sees it.")
class CartPromotion(Node):
    """A view of ``gateway.promotions.listing.CartPromotionRecord``: resolvers return the record
    (``as_cart_promotion``); its limits and program come with it when the listing read them."""

    id: strawberry.ID = strawberry.field(
        resolver=_cart_promotion_id,
        description=ID_DESCRIPTION,
    )
    promotion_id: strawberry.ID = strawberry.field(description="The promotion.")
    promotion_name: str = strawberry.field(description="Its name.")
    customer_id: strawberry.ID = strawberry.field(description="The customer it is listed for.")
    valid_till: datetime | None = strawberry.field(
        description="When the customer's use ends (the earlier of their own deadline, their "
        "membership's end and the promotion's end); null: no end."
    )
    earned_type: EarnedType = strawberry.field(description="How the customer came to hold it.")
    earned_status: EarnedStatus = strawberry.field(
        description="Whether the customer can use it now."
    )
    promotion_status: PromotionStatus = strawberry.field(
        description="Whether the promotion is running. ACTIVE does not mean anything is left: "
        "see restrictions."
    )
    milestone_id: strawberry.ID | None = strawberry.field(
        description="The milestone or achievement it is linked to."
    )
    target_group_id: strawberry.ID | None = strawberry.field(
        description="The customer group it was designed for."
    )
    application_mode: ApplicationMode = strawberry.field(description="How it is applied.")
    # strawberry's own JSON scalar: gateway.schema.scalars.JSON warns on import (deprecated
    # strawberry.scalar(class) form), which fails the test run.
    custom_field_values: JSON = strawberry.field(description="Custom key-value pairs (an object).")
    event_time: datetime | None = strawberry.field(
        description="When the event that issued or earned it happened; null for tier and "
        "program promotions."
    )
    restrictions: PromotionRestrictions | None = strawberry.field(
        resolver=promotion_restrictions,
        description="Its limits and what is left of them; null when it has no limit. "
        "Loaded only when selected, for all listed promotions at once.",
    )
    supplementary_criteria: SupplementaryCriteria | None = strawberry.field(
        resolver=promotion_criteria,
        description="The supplementary program it comes through; null when it does not come "
        "through one.",
    )

    is_type_of = viewing(CartPromotionRecord)


def as_cart_promotion(record: CartPromotionRecord) -> CartPromotion:
    """``record`` as the type that views it, for a resolver's annotation (no object is built)."""
    return cast(CartPromotion, record)


def as_cart_promotions(records: list[CartPromotionRecord]) -> list[CartPromotion]:
    """``records`` as the type that views them (the same list)."""
    return cast(list[CartPromotion], records)


def _optional_id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


# The listing's arguments, shared by Query.cartPromotions, Customer.cartPromotions and
# Subscription.cartPromotionsChanged.
CustomerIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The customer (1-128 characters).")
]
IncludeSupplementaryArgument = Annotated[
    bool,
    strawberry.argument(
        description="Also list POS promotions of the customer's supplementary programs."
    ),
]
StatusFilterArgument = Annotated[
    list[PromotionStatus] | None,
    strawberry.argument(description="Only promotions with one of these statuses."),
]


async def list_cart_promotions(
    info: Info,
    customer_id: str,
    include_supplementary: bool,
    status: list[PromotionStatus] | None,
) -> list[CartPromotion]:
    """The cart promotions a customer sees (``gateway.promotions.cart_listing``), with their
    limits and programs read for the whole list when the query selects them."""
    selected = selected_names(info)
    listed = await list_cart(
        info.context,
        customer_id,
        include_supplementary,
        status,
        with_restrictions="restrictions" in selected,
        with_programs="supplementaryCriteria" in selected,
    )
    return as_cart_promotions(listed)


@strawberry.type
class PromotionQueries:
    """Root fields for cart promotions."""

    @strawberry.field(
        description="Cart promotions of a customer: issued to or earned by them, POS promotions "
        "of their loyalty tier and, when asked, of their supplementary programs. Never "
        "promotions for all loyalty customers or POS promotions without a tag. Highest "
        "priority first. An unknown customer has none."
    )
    async def cart_promotions(
        self,
        info: Info,
        customer_id: CustomerIdArgument,
        include_supplementary: IncludeSupplementaryArgument = False,
        status: StatusFilterArgument = None,
    ) -> list[CartPromotion]:
        return await list_cart_promotions(info, customer_id, include_supplementary, status)


@strawberry.input(description="A redemption of a cart promotion in a transaction.")
class RedeemCartPromotionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer redeeming.")
    promotion_id: strawberry.ID = strawberry.field(description="The promotion redeemed.")
    transaction_id: strawberry.ID = strawberry.field(
        description="The caller's transaction (TRANSACTION limits count distinct ones)."
    )
    amount: Decimal = strawberry.field(
        description="The discount given, >= 0 with at most 2 decimals (DISCOUNT limits sum it)."
    )
    idempotency_key: str = strawberry.field(
        description="Unique per redemption attempt of this customer (1-128 characters). A retry "
        "with the same key and the same fields returns the first result and counts nothing; "
        "with other fields it is a CONFLICT error."
    )
    cart_id: strawberry.ID | None = strawberry.field(
        default=None, description="The cart (CART limits count per cart). Default: transactionId."
    )
    product_sku: str | None = strawberry.field(
        default=None, description="The product it applies to (for PRODUCT limits)."
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The product category it applies to (for CATEGORY limits)."
    )

    def to_request(self) -> RedemptionRequest:
        """The validated request; BAD_USER_INPUT names the first bad field."""
        transaction_id = inputs.text_id("input.transactionId", self.transaction_id)
        return RedemptionRequest(
            customer_id=inputs.customer_id("input.customerId", self.customer_id),
            promotion_id=inputs.catalog_id("input.promotionId", self.promotion_id),
            transaction_id=transaction_id,
            cart_id=inputs.optional_text_id("input.cartId", self.cart_id) or transaction_id,
            amount=inputs.amount("input.amount", self.amount),
            product_sku=inputs.optional_text_id("input.productSku", self.product_sku),
            category_id=inputs.optional_text_id("input.categoryId", self.category_id),
            idempotency_key=inputs.text_id("input.idempotencyKey", self.idempotency_key),
        )


@strawberry.type(description="A redemption that went through: every applicable limit counted it.")
class Redemption:
    id: strawberry.ID = strawberry.field(
        description="Unique across the schema, one per ledger entry; opaque (do not parse)."
    )
    redemption_id: strawberry.ID = strawberry.field(description="The ledger entry.")
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    promotion_id: strawberry.ID = strawberry.field(description="The promotion.")
    transaction_id: strawberry.ID = strawberry.field(description="The transaction.")
    cart_id: strawberry.ID = strawberry.field(description="The cart (transactionId if none).")
    amount: Decimal = strawberry.field(description="The discount given.")
    product_sku: str | None = strawberry.field(description="The product, if given.")
    category_id: strawberry.ID | None = strawberry.field(description="The category, if given.")
    idempotency_key: str = strawberry.field(description="The key it is stored under.")
    redeemed_at: datetime = strawberry.field(description="When it was redeemed.")
    replayed: bool = strawberry.field(
        description="True when this is the stored result of an earlier request with this key."
    )
    cart_promotion: CartPromotion | None = strawberry.field(
        description="The promotion as the customer holds it now, after this redemption, with "
        "its limits at every level (the ids of the listing's objects: a normalized cache "
        "updates every listing that shows them); null when they no longer hold it."
    )

    @strawberry.field(
        description="The promotion's limits for this customer now, after this redemption; "
        "null when it has no limit. The same objects as cartPromotion.restrictions."
    )
    async def restrictions(self, info: Info) -> PromotionRestrictions | None:
        held = cast(CartPromotionRecord | None, self.cart_promotion)
        if held is not None and held.limits is not None:
            return promotion_restrictions(held, info)
        return as_restrictions(
            await load_restrictions(info.context, self.customer_id, self.promotion_id)
        )


@strawberry.type(description="A redemption that was refused; nothing was counted.")
class RedemptionRejected:
    code: RejectionCode = strawberry.field(description="Why.")
    message: str = strawberry.field(description="Why, for people.")
    restriction: Restriction | None = strawberry.field(
        description="For LIMIT_REACHED: the limit, with what was left of it when refused."
    )
    cart_promotion: CartPromotion | None = strawberry.field(
        description="The promotion as the customer holds it now, with its limits at every "
        "level; null when they do not hold it."
    )
    idempotency_key: str = strawberry.field(description="The key of the request.")
    replayed: bool = strawberry.field(
        description="True when this is the stored result of an earlier request with this key."
    )


RedeemResult = Annotated[
    Redemption | RedemptionRejected,
    strawberry.union("RedeemResult", description="A redemption, or why it was refused."),
]

_REJECTION_MESSAGES = {
    RejectionCode.LIMIT_REACHED: "A redemption limit has too little left for this redemption.",
    RejectionCode.NOT_ISSUED: "The customer does not hold this promotion.",
    RejectionCode.NOT_ACTIVE: "The promotion is not running (deactivated or not started).",
    RejectionCode.EXPIRED: "The promotion, or the customer's use of it, has expired.",
    RejectionCode.LOCKED: "The customer holds this promotion but it is not unlocked yet.",
}


def _held_promotion(held: HeldPromotion | None) -> CartPromotion | None:
    """The GraphQL view of a promotion read back after a write, its limits preloaded."""
    if held is None:
        return None
    return as_cart_promotion(held.record.with_reads(held.restrictions))


def _redeem_result(outcome: RedemptionOutcome) -> Redemption | RedemptionRejected:
    request = outcome.request
    cart_promotion = _held_promotion(outcome.held)
    if outcome.rejection is not None:
        return RedemptionRejected(
            code=outcome.rejection,
            message=_REJECTION_MESSAGES[outcome.rejection],
            restriction=None
            if outcome.restriction is None
            else cast(
                Restriction,
                shown_limit(
                    outcome.restriction, request.customer_id, request.promotion_id, request.cart_id
                ),
            ),
            idempotency_key=request.idempotency_key,
            replayed=outcome.replayed,
            cart_promotion=cart_promotion,
        )
    assert outcome.redemption_id is not None
    return Redemption(
        id=strawberry.ID(global_id("Redemption", request.customer_id, str(outcome.redemption_id))),
        redemption_id=strawberry.ID(str(outcome.redemption_id)),
        customer_id=strawberry.ID(request.customer_id),
        promotion_id=strawberry.ID(request.promotion_id),
        transaction_id=strawberry.ID(request.transaction_id),
        cart_id=strawberry.ID(request.cart_id),
        amount=request.amount,
        product_sku=request.product_sku,
        category_id=_optional_id(request.category_id),
        idempotency_key=request.idempotency_key,
        redeemed_at=outcome.attempted_at,
        replayed=outcome.replayed,
        cart_promotion=cart_promotion,
    )


@strawberry.type(description="The outcome of issuing a promotion to customers.")
class IssueCartPromotionPayload:
    promotion_id: strawberry.ID = strawberry.field(description="The promotion issued.")
    issued_customer_ids: list[strawberry.ID] = strawberry.field(
        description="Customers who hold it now and did not before."
    )
    already_issued_customer_ids: list[strawberry.ID] = strawberry.field(
        description="Customers who already held it (left as they were)."
    )
    not_eligible_customer_ids: list[strawberry.ID] = strawberry.field(
        description="Unknown customers, and customers of another brand than the promotion's."
    )
    # Read only when selected (one round trip for all customers).
    cart_promotions: list[CartPromotion] = strawberry.field(
        default_factory=list,
        description="The promotion as each customer who holds it now sees it (issued, then "
        "already issued, in request order), with its limits at every level.",
    )


@strawberry.input(description="The loyalty program a promotion was earned through.")
class SupplementaryCriteriaInput:
    loyalty_program_id: strawberry.ID = strawberry.field(
        description="A supplementary or partner program the customer is a member of; its type "
        "and partner id are taken from the program."
    )


@strawberry.input(description="An event through which a customer earned a promotion.")
class EarnCartPromotionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    promotion_id: strawberry.ID = strawberry.field(
        description="A customer-issued promotion of the customer's brand."
    )
    earned_type: EarnedType = strawberry.field(description="How it was earned.")
    milestone_id: strawberry.ID | None = strawberry.field(
        default=None, description="The milestone or achievement completed."
    )
    event_time: datetime | None = strawberry.field(
        default=None, description="When it was earned (with a UTC offset). Default: now."
    )
    valid_till: datetime | None = strawberry.field(
        default=None,
        description="The customer's deadline to use it (with a UTC offset); null: the "
        "promotion's end.",
    )
    supplementary_criteria: SupplementaryCriteriaInput | None = strawberry.field(
        default=None, description="The supplementary program it was earned through."
    )

    def to_request(self, now: datetime) -> EarnRequest:
        """The validated earn event; BAD_USER_INPUT names the first bad field."""
        criteria = self.supplementary_criteria
        return EarnRequest(
            customer_id=inputs.customer_id("input.customerId", self.customer_id),
            promotion_id=inputs.catalog_id("input.promotionId", self.promotion_id),
            earned_type=self.earned_type,
            milestone_id=inputs.optional_text_id(
                "input.milestoneId", self.milestone_id, max_length=64
            ),
            event_time=inputs.aware("input.eventTime", self.event_time or now),
            valid_till=None
            if self.valid_till is None
            else inputs.aware("input.validTill", self.valid_till),
            supplementary_program_id=None
            if criteria is None
            else inputs.catalog_id(
                "input.supplementaryCriteria.loyaltyProgramId", criteria.loyalty_program_id
            ),
        )


@strawberry.type(description="The customer's promotion after an earn event.")
class EarnCartPromotionPayload:
    cart_promotion: CartPromotion = strawberry.field(
        description="The promotion as the customer now sees it, with its limits at every level."
    )
    created: bool = strawberry.field(
        description="True when the customer did not hold it before (false: it was unlocked "
        "and its earn details updated)."
    )


@strawberry.type
class PromotionMutations:
    """Mutations for cart promotions."""

    @strawberry.mutation(
        description="Redeem a promotion: every applicable limit (each level and kpi) is checked "
        "and counted atomically, so no limit is ever exceeded, whatever the concurrency. "
        "Refusals are results (RedemptionRejected), not errors. Idempotent by idempotencyKey."
    )
    async def redeem_cart_promotion(
        self,
        info: Info,
        input: Annotated[
            RedeemCartPromotionInput, strawberry.argument(description="The redemption.")
        ],
    ) -> RedeemResult:
        ctx = info.context
        request = input.to_request()
        await require_promotion_access(
            ctx, Scope.WRITE, request.promotion_id, "redeemCartPromotion"
        )
        selected = selected_names(info)
        read_back = "cartPromotion" in selected or "restrictions" in selected
        outcome = await redeem(ctx.db, request, ctx.now, read_back=read_back)
        ctx.cache.wrote_customers((request.customer_id,))
        ctx.cache.wrote_promotions((request.promotion_id,))
        # Later selections in this operation must see the counters as they are now.
        ctx.loaders.promotions.restrictions.clear(
            ((request.customer_id, request.promotion_id, None),)
        )
        return _redeem_result(outcome)

    @strawberry.mutation(
        description="Issue a customer-issued promotion to many customers (at most "
        f"{MAX_CUSTOMERS_PER_ISSUE}). Idempotent: customers who hold it already are left as "
        "they are."
    )
    async def issue_cart_promotion(
        self,
        info: Info,
        promotion_id: Annotated[
            strawberry.ID, strawberry.argument(description="A customer-issued promotion.")
        ],
        customer_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"The customers, 1 to {MAX_CUSTOMERS_PER_ISSUE} (duplicates ignored)."
            ),
        ],
    ) -> IssueCartPromotionPayload:
        ctx = info.context
        promotion = inputs.catalog_id("promotionId", promotion_id)
        customers = inputs.customer_ids("customerIds", customer_ids, MAX_CUSTOMERS_PER_ISSUE)
        await require_promotion_access(ctx, Scope.ADMIN, promotion, "issueCartPromotion")
        outcome = await issue(ctx.db, promotion, customers, ctx.now)
        ctx.cache.wrote_customers(outcome.issued)
        for customer_id in outcome.issued:
            _forget_listing(ctx, customer_id)
        cart_promotions: list[CartPromotion] = []
        holders = [*outcome.issued, *outcome.already_issued]
        if holders and "cartPromotions" in selected_names(info):
            held = await fetch_held(ctx.db, holders, outcome.promotion_id, ctx.now)
            cart_promotions = [p for p in map(_held_promotion, held) if p is not None]
        return IssueCartPromotionPayload(
            cart_promotions=cart_promotions,
            promotion_id=strawberry.ID(outcome.promotion_id),
            issued_customer_ids=[strawberry.ID(c) for c in outcome.issued],
            already_issued_customer_ids=[strawberry.ID(c) for c in outcome.already_issued],
            not_eligible_customer_ids=[strawberry.ID(c) for c in outcome.not_eligible],
        )

    @strawberry.mutation(
        description="Record that a customer earned a customer-issued promotion (activity, "
        "milestone, tier or loyalty program). Earning one already held unlocks it and records "
        "the latest event."
    )
    async def earn_cart_promotion(
        self,
        info: Info,
        input: Annotated[EarnCartPromotionInput, strawberry.argument(description="The event.")],
    ) -> EarnCartPromotionPayload:
        ctx = info.context
        request = input.to_request(ctx.now)
        await require_promotion_access(ctx, Scope.ADMIN, request.promotion_id, "earnCartPromotion")
        created = await earn(ctx.db, request, ctx.now)
        ctx.cache.wrote_customers((request.customer_id,))
        _forget_listing(ctx, request.customer_id)
        # The primary (a mutation reads there), after the write: one round trip, every limit.
        [held] = await fetch_held(ctx.db, [request.customer_id], request.promotion_id, ctx.now)
        cart_promotion = _held_promotion(held)
        assert cart_promotion is not None  # earned: held, and of the customer's brand
        return EarnCartPromotionPayload(cart_promotion=cart_promotion, created=created)


def _forget_listing(ctx: Context, customer_id: str) -> None:
    for include_supplementary in (False, True):
        ctx.loaders.promotions.cart_promotions.clear((customer_id, include_supplementary))
