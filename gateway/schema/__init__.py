"""The API's GraphQL types: root types assembled from each domain's types and thin resolvers.

- ``offers``: personalized offers, their inputs, events and fulfillments.
- ``promotions``: cart promotions, their limits, and the issue / earn / redeem mutations.
- ``customer``: the federated ``Customer`` entity.
- ``refetch``: ``Query.node`` and ``Query.nodes``; ``node``: the ``Node`` interface.
- ``federation``: the schema class checking ``_entities`` input.
- ``info``: what resolvers receive as ``info`` and read of the query from it.
- ``subscriptions``: ``cartPromotionsChanged`` and ``personalizedOfferChanged`` (``gateway.live``).
- ``enums``: the domains' enums wrapped as GraphQL enums, with their descriptions.
- ``views``: ``is_type_of`` for types whose values are the domain's records.

Nothing here knows how operations execute: ``gateway.operation.assembly`` builds the executable
schema from these types.
"""

from __future__ import annotations

import strawberry
from strawberry.types.base import get_object_definition

from gateway.schema.customer import Customer
from gateway.schema.offers import OfferMutations, OfferQueries
from gateway.schema.promotions import PromotionMutations, PromotionQueries
from gateway.schema.refetch import NodeQueries
from gateway.schema.subscriptions import Subscription as Subscription

# Both composers we test accept link versions up to v2.9 (see docs/federation.md).
FEDERATION_VERSION = "2.9"

# Types reachable only through an interface or a federation key.
SCHEMA_TYPES: list[type] = [Customer]


@strawberry.type(description="Read personalized offers and cart promotions.")
class Query(OfferQueries, PromotionQueries, NodeQueries):
    pass


def mutation_type() -> type | None:
    """The Mutation root type, made of every domain's mutations (None when there are none)."""
    fields = [
        field
        for base in (OfferMutations, PromotionMutations)
        for field in get_object_definition(base, strict=True).fields
    ]
    if not fields:
        return None

    @strawberry.type(
        description="Record offer events and fulfillments; issue and redeem promotions."
    )
    class Mutation(OfferMutations, PromotionMutations):
        pass

    return Mutation
