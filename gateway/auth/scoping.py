"""Checks that keep an API key inside its scopes and brands, for resolvers to call."""

from __future__ import annotations

from typing import Protocol

from gateway.auth.principal import Principal, Scope
from gateway.db import RequestDb
from gateway.errors import ErrorCode, GatewayError


class ScopedRequest(Protocol):
    """What these checks read from a request (``gateway.context.Context`` fits)."""

    @property
    def principal(self) -> Principal:
        """Who the request acts as."""
        ...

    @property
    def db(self) -> RequestDb:
        """The request's database access (to find a row's brand)."""
        ...


async def require_promotion_access(
    ctx: ScopedRequest, scope: Scope, promotion_id: str, field: str
) -> None:
    """FORBIDDEN unless the key has ``scope`` and covers the promotion's brand.

    Keys for every brand (development) skip the lookup; others pay one small indexed query.
    An unknown promotion passes here: the operation itself reports it.

    Example, in a resolver::

        await require_promotion_access(ctx, Scope.WRITE, "acme-welcome10", "input.promotionId")
    """
    ctx.principal.require(scope, field)
    if ctx.principal.brand_ids is None:
        return
    brand_id = await ctx.db.fetchval(
        "SELECT brand_id FROM promotions WHERE promotion_id = $1", promotion_id
    )
    _check_brand(ctx, brand_id, field, "promotion")


async def require_play_access(ctx: ScopedRequest, scope: Scope, play_id: str, field: str) -> None:
    """FORBIDDEN unless the key has ``scope`` and covers the play's brand."""
    ctx.principal.require(scope, field)
    if ctx.principal.brand_ids is None:
        return
    brand_id = await ctx.db.fetchval("SELECT brand_id FROM plays WHERE play_id = $1", play_id)
    _check_brand(ctx, brand_id, field, "offer")


async def require_fulfillment_access(
    ctx: ScopedRequest, scope: Scope, customer_id: str, fulfillment_id: object, field: str
) -> None:
    """FORBIDDEN unless the key has ``scope`` and covers the brand of the fulfillment's play."""
    ctx.principal.require(scope, field)
    if ctx.principal.brand_ids is None:
        return
    brand_id = await ctx.db.fetchval(
        "SELECT p.brand_id FROM offer_fulfillments f JOIN plays p USING (play_id)"
        " WHERE f.customer_id = $1 AND f.fulfillment_id = $2",
        customer_id,
        fulfillment_id,
    )
    _check_brand(ctx, brand_id, field, "fulfillment")


def _check_brand(ctx: ScopedRequest, brand_id: str | None, field: str, what: str) -> None:
    if brand_id is not None and not ctx.principal.may_see_brand(brand_id):
        raise GatewayError(
            ErrorCode.FORBIDDEN, f"{field}: the {what} belongs to a brand this key does not cover"
        )
