"""``Query.node`` and ``Query.nodes``: refetch any ``Node`` by its global id.

Each id is answered exactly as the field it stands for answers the same object, for the same key:
a cart promotion (and its limits) as ``cartPromotions(includeSupplementary: true)`` lists it
(READ scope; another brand's promotion is not there: null), a fulfillment as
``offerFulfillment(id:)`` (READ scope; another brand's: FORBIDDEN). Ids of one kind are loaded in
one batch, so ``nodes`` costs the round trips of one id of each kind, whatever the count. A
malformed id is BAD_USER_INPUT naming the argument (``id``, ``ids[2]``); a well-formed id of
nothing is null.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Sequence
from typing import Annotated, cast

import strawberry

from gateway.auth.principal import Scope
from gateway.context import Context
from gateway.errors import ErrorCode, GatewayError, bad_input
from gateway.identity import GlobalKey, parse_global_id
from gateway.offers import feedback
from gateway.promotions.listing import CartPromotionRecord
from gateway.promotions.model import RestrictionKpi, RestrictionLevel, members_by_label
from gateway.promotions.restrictions import RestrictionState
from gateway.promotions.shown_limits import limits_by_level, shown_limit
from gateway.schema.info import Info
from gateway.schema.node import Node
from gateway.schema.offers import OfferFulfillment
from gateway.schema.promotions import Restriction, as_cart_promotion, as_restrictions

MAX_NODES = 100

_NODE_TYPES = frozenset(
    {"CartPromotion", "PromotionRestrictions", "Restriction", "OfferFulfillment"}
)
_LEVELS = members_by_label(RestrictionLevel)
_KPIS = members_by_label(RestrictionKpi)

# What one id resolves to: the object, None (nothing there), or the error for that id.
Found = Node | None | GatewayError


@strawberry.type
class NodeQueries:
    """Root fields that refetch objects by global id."""

    @strawberry.field(
        description="The object with this global id; null when there is none (or this API key "
        "may not see it). Scopes and brands apply as on the field the object comes from."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Node's id.")],
    ) -> Node | None:
        [found] = await resolve_nodes(info.context, [id], ["id"])
        if isinstance(found, GatewayError):
            raise found
        return found

    @strawberry.field(
        description=f"The objects with these global ids, in order (at most {MAX_NODES}); null "
        "for an id of nothing. Loaded in one batch per kind of object."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Nodes' ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise GatewayError(
                ErrorCode.LIMIT_EXCEEDED, f"ids: at most {MAX_NODES} per request, got {len(ids)}"
            )
        found = await resolve_nodes(info.context, ids, [f"ids[{i}]" for i in range(len(ids))])
        # graphql-core reports an Exception in a list as that item's error (the item is null).
        return found  # type: ignore[return-value]


async def resolve_nodes(ctx: Context, ids: Sequence[str], fields: Sequence[str]) -> list[Found]:
    """The object (or None, or the error) for each id, in order; one batch per kind."""
    keys: list[GlobalKey | None] = []
    results: list[Found] = []
    for value, field in zip(ids, fields, strict=True):
        key = parse_global_id(value)
        if key is None or key.type_name not in _NODE_TYPES:
            keys.append(None)
            results.append(bad_input(field, "not the id of an object Query.node can refetch"))
        else:
            keys.append(key)
            results.append(None)
    promotion_slots = [
        i for i, k in enumerate(keys) if k is not None and k.type_name != "OfferFulfillment"
    ]
    fulfillment_slots = [
        i for i, k in enumerate(keys) if k is not None and k.type_name == "OfferFulfillment"
    ]
    work: list[Awaitable[None]] = []
    if promotion_slots:
        work.append(_promotion_nodes(ctx, keys, fields, promotion_slots, results))
    if fulfillment_slots:
        work.append(_fulfillment_nodes(ctx, keys, fields, fulfillment_slots, results))
    await asyncio.gather(*work)
    return results


async def _promotion_nodes(
    ctx: Context,
    keys: list[GlobalKey | None],
    fields: Sequence[str],
    slots: list[int],
    results: list[Found],
) -> None:
    """Cart promotions and their limits: one listing query, one limits query for all."""
    principal = ctx.principal
    allowed = []
    for slot in slots:
        try:
            principal.require(Scope.READ, fields[slot])
        except GatewayError as error:
            results[slot] = error
        else:
            allowed.append(slot)
    if not allowed:
        return
    loaders = ctx.loaders.promotions
    customers = sorted({_key(keys, slot).parts[0] for slot in allowed})
    listings = await loaders.cart_promotions.load_many([(c, True) for c in customers])
    held: dict[tuple[str, str], CartPromotionRecord] = {}
    for listing in listings:
        for listed in listing:
            if principal.may_see_brand(listed.brand_id):
                held[(listed.customer_id, listed.promotion_id)] = listed
    limits_wanted: list[tuple[int, tuple[str, str, str | None]]] = []
    for slot in allowed:
        key = _key(keys, slot)
        record = held.get((key.parts[0], key.parts[1]))
        if record is None:
            continue
        if key.type_name == "CartPromotion":
            results[slot] = as_cart_promotion(record)
        else:
            limits_wanted.append((slot, (record.customer_id, record.promotion_id, _scope(key))))
    if not limits_wanted:
        return
    states = await loaders.restrictions.load(tuple(scoped for _, scoped in limits_wanted))
    for (slot, (customer_id, promotion_id, cart_scope)), found in zip(
        limits_wanted, states, strict=True
    ):
        key = _key(keys, slot)
        if key.type_name == "PromotionRestrictions":
            results[slot] = as_restrictions(
                limits_by_level(found, customer_id, promotion_id, cart_scope)
            )
        else:
            state = _matching_limit(key, found)
            results[slot] = (
                None
                if state is None
                else cast(Restriction, shown_limit(state, customer_id, promotion_id, cart_scope))
            )


def _scope(key: GlobalKey) -> str | None:
    """The cart scope a limits id was read in (None: no cart, as listings read them)."""
    if key.type_name == "PromotionRestrictions":
        return key.parts[2] or None
    return (key.parts[4] or None) if key.parts[2] == "cart" else None


def _matching_limit(key: GlobalKey, states: list[RestrictionState]) -> RestrictionState | None:
    _, _, level_label, kpi_label, scope = key.parts
    level, kpi = _LEVELS.get(level_label), _KPIS.get(kpi_label)
    for state in states:
        if state.level is level and state.kpi is kpi:
            if level is RestrictionLevel.PRODUCT and state.product_sku != scope:
                continue
            if level is RestrictionLevel.CATEGORY and state.category_id != scope:
                continue
            return state
    return None


async def _fulfillment_nodes(
    ctx: Context,
    keys: list[GlobalKey | None],
    fields: Sequence[str],
    slots: list[int],
    results: list[Found],
) -> None:
    """Fulfillments: one query for all, then the brand check offerFulfillment makes."""
    principal = ctx.principal
    wanted: list[tuple[int, tuple[str, uuid.UUID]]] = []
    for slot in slots:
        customer_id, raw = _key(keys, slot).parts
        try:
            principal.require(Scope.READ, fields[slot])
            wanted.append((slot, (customer_id, uuid.UUID(raw))))
        except GatewayError as error:
            results[slot] = error
        except ValueError:
            results[slot] = bad_input(fields[slot], "not an offer fulfillment id")
    if not wanted:
        return
    found = await feedback.fetch_fulfillments(ctx, [k for _, k in wanted])
    for (slot, _), item in zip(wanted, found, strict=True):
        if item is None:
            continue
        record, brand_id = item
        if not principal.may_see_brand(brand_id):
            results[slot] = GatewayError(
                ErrorCode.FORBIDDEN,
                f"{fields[slot]}: the fulfillment belongs to a brand this key does not cover",
            )
        else:
            results[slot] = OfferFulfillment.from_record(record)


def _key(keys: list[GlobalKey | None], slot: int) -> GlobalKey:
    key = keys[slot]
    assert key is not None
    return key
