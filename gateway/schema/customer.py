"""The federated ``Customer`` entity: other subgraphs own the profile, we add offers and promotions.

``_entities`` resolves a Customer without SQL; its fields load through the request's loaders, so
100 representations cost the same round trips as one.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.offers.service import personalized_offers
from gateway.schema.info import Info
from gateway.schema.offers import PersonalizedOfferContextInput, PersonalizedOffersPayload
from gateway.schema.promotions import (
    CartPromotion,
    IncludeSupplementaryArgument,
    StatusFilterArgument,
    list_cart_promotions,
)


@strawberry.federation.type(
    keys=["id"],
    description="A customer, keyed by the id of the billing system. Other subgraphs own the "
    "profile; this one adds the customer's personalized offers and cart promotions.",
)
class Customer:
    id: strawberry.ID = strawberry.field(description="The customer's id in the billing system.")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        """A Customer from a router's representation (no SQL: fields load lazily)."""
        return cls(id=id)

    @strawberry.field(
        description="The customer's cart promotions, as `Query.cartPromotions` returns them."
    )
    async def cart_promotions(
        self,
        info: Info,
        include_supplementary: IncludeSupplementaryArgument = False,
        status: StatusFilterArgument = None,
    ) -> list[CartPromotion]:
        return await list_cart_promotions(info, self.id, include_supplementary, status)

    @strawberry.field(
        description="The best offer for this customer now, as `Query.personalizedOffers` "
        "returns it."
    )
    async def personalized_offers(
        self,
        info: Info,
        context: Annotated[
            PersonalizedOfferContextInput | None,
            strawberry.argument(description="Who is asking, in which context."),
        ] = None,
    ) -> PersonalizedOffersPayload:
        request = (context or PersonalizedOfferContextInput()).to_request()
        result = await personalized_offers(info.context, self.id, request)
        return PersonalizedOffersPayload.from_result(result)
