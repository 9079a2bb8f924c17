"""Subscriptions: the cart promotions and the personalized offer of a customer, kept current.

Each is its query, run again when the database says its answer may have changed (see
``gateway.live``): the first message is the current answer, later ones only differ from the last.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry

from gateway.context import Context
from gateway.live.rounds import rounds
from gateway.offers.service import personalized_offers
from gateway.promotions.cart_listing import list_cart
from gateway.promotions.model import PromotionStatus
from gateway.schema.info import Info, selected_names
from gateway.schema.offers import PersonalizedOffersInput, PersonalizedOffersPayload
from gateway.schema.promotions import (
    CartPromotion,
    CustomerIdArgument,
    IncludeSupplementaryArgument,
    StatusFilterArgument,
    as_cart_promotions,
)


@strawberry.type(description="Answers that change, pushed as they change.")
class Subscription:
    @strawberry.subscription(
        description="cartPromotions, kept current: the listing now, then again whenever a "
        "promotion, limit or counter it shows changes (including promotion-level limits every "
        "holder shares) and when a start, end or validTill passes. Nothing is sent while the "
        "answer stays the same."
    )
    async def cart_promotions_changed(
        self,
        info: Info,
        customer_id: CustomerIdArgument,
        include_supplementary: IncludeSupplementaryArgument = False,
        status: StatusFilterArgument = None,
    ) -> AsyncGenerator[list[CartPromotion], None]:
        selected, context = selected_names(info), info.context
        del info  # its nodes and selected fields are not needed again while the subscription rests
        async with aclosing(rounds(context)) as live:
            async for ctx in live:
                listing = await _listing(ctx, customer_id, include_supplementary, status, selected)
                yield listing
                # Sent: graphql-core's iterator still refers to it, a resting subscription
                # need not keep its objects.
                listing.clear()

    @strawberry.subscription(
        description="personalizedOffers, kept current: the decision now, then a new one when "
        "the customer's data, the plays or the catalog change it, or when expiresAt passes. "
        "A new decision id or an expiresAt only moved by its TTL alone sends nothing."
    )
    async def personalized_offer_changed(
        self,
        info: Info,
        input: Annotated[
            PersonalizedOffersInput,
            strawberry.argument(description="The customer and the request's context."),
        ],
    ) -> AsyncGenerator[PersonalizedOffersPayload, None]:
        request, customer_id, context = input.to_request(), input.customer_id, info.context
        del info, input  # not needed again while the subscription rests
        async with aclosing(rounds(context)) as live:
            async for ctx in live:
                result = await personalized_offers(ctx, customer_id, request)
                payload = PersonalizedOffersPayload.from_result(result)
                del result
                yield payload
                payload.offers, payload.explanation = [], None  # sent: keep nothing


async def _listing(
    ctx: Context,
    customer_id: str,
    include_supplementary: bool,
    status: list[PromotionStatus] | None,
    selected: frozenset[str],
) -> list[CartPromotion]:
    listed = await list_cart(
        ctx,
        customer_id,
        include_supplementary,
        status,
        with_restrictions="restrictions" in selected,
        with_programs="supplementaryCriteria" in selected,
    )
    listing = as_cart_promotions(listed)
    if "restrictions" not in selected:
        # Only restrictions show the shared (PROMOTION-level) counters: another holder's
        # redemption cannot change this answer, so it need not wake it.
        ctx.cache.promotions.clear()
    return listing
