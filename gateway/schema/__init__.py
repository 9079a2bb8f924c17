"""The GraphQL schema: root types assembled from each domain, plus extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.execution import Executor
from strawberry.federation import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import get_object_definition

from gateway.execution.context import GatewayExecutionContext
from gateway.observability.tracing import tracing_extensions
from gateway.operation.extension import gateway_extension
from gateway.schema.customer import Customer
from gateway.schema.federation import GatewaySchema
from gateway.schema.offers import OfferMutations, OfferQueries
from gateway.schema.promotions import PromotionMutations, PromotionQueries
from gateway.schema.refetch import NodeQueries
from gateway.schema.subscriptions import Subscription
from gateway.settings import Settings

# Both composers we test accept link versions up to v2.9 (see docs/federation.md).
FEDERATION_VERSION = "2.9"


@strawberry.type(description="Read personalized offers and cart promotions.")
class Query(OfferQueries, PromotionQueries, NodeQueries):
    pass


def _mutation_type() -> type | None:
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


def build_schema(
    settings: Settings | None = None,
    *,
    tracer_provider: Any | None = None,
    execution_context_class: type[Executor[Any]] | None = GatewayExecutionContext,
) -> GatewaySchema:
    """The schema with the extensions ``settings`` call for.

    Development mode adds ``extensions.sqlRoundTrips`` to every response. It executes with the
    gateway's engine; ``execution_context_class=None`` gives strawberry's own (the tests compare
    the two).

    >>> result = await build_schema().execute("{ __typename }", context_value=ctx)
    """
    settings = settings or Settings()
    return GatewaySchema(
        query=Query,
        mutation=_mutation_type(),
        subscription=Subscription,
        types=[Customer],
        extensions=[
            gateway_extension(settings),
            *tracing_extensions(settings, tracer_provider),
        ],
        federation_version=FEDERATION_VERSION,
        max_entities=settings.max_entities,
        execution_context_class=execution_context_class,
        # @defer / @stream (graphql-core 3.3's incremental execution): see docs/frontends.md.
        config=StrawberryConfig(enable_experimental_incremental_execution=True),
    )


def export_sdl(schema: Schema) -> str:
    """The SDL written to ``schema.graphql`` (what ``gateway export-schema`` prints)."""
    return schema.as_str()
