"""``_entities`` for Customer: batched through the loaders, input checked."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.conftest import Gql
from tests.real_customers import copy_demo_customers

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer {
      id
      cartPromotions {
        promotionName
        restrictions { customer { kpi remainingRedemption } }
        supplementaryCriteria { loyaltyProgramId }
      }
    }
  }
}
"""

OFFERS = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id personalizedOffers { offers { offerId } expiresAt } }
  }
}
"""

CUSTOMERS = ["demo-loyal", "demo-b2c", "demo-none", "demo-b2b"]


def _customers(n: int, ids: list[str] = CUSTOMERS) -> list[dict[str, Any]]:
    return [{"__typename": "Customer", "id": customer_id} for customer_id in ids[:n]]


def _loaded(entity: dict[str, Any]) -> bool:
    """True when the entity's field read rows: promotions listed with limits, or an offer."""
    if "cartPromotions" in entity:
        promotions = entity["cartPromotions"]
        return bool(promotions) and any(p["restrictions"] for p in promotions)
    return bool(entity["personalizedOffers"]["offers"])


@pytest.mark.parametrize(("query", "most"), [(ENTITIES, 3), (OFFERS, 2)])
async def test_a_hundred_real_customers_cost_the_round_trips_of_one(
    gql: Gql, pool: asyncpg.Pool, query: str, most: int
) -> None:
    async with pool.acquire() as conn:
        customers = await copy_demo_customers(conn, 100)
    await gql(query, {"representations": _customers(1, customers)})  # warm the play catalog
    one = await gql(query, {"representations": _customers(1, customers)})
    hundred = await gql(query, {"representations": _customers(100, customers)})

    assert one.errors is None and hundred.errors is None
    assert one.extensions is not None and hundred.extensions is not None
    assert hundred.extensions["sqlRoundTrips"] == one.extensions["sqlRoundTrips"] <= most
    assert hundred.data is not None and len(hundred.data["_entities"]) == 100
    assert all(_loaded(entity) for entity in hundred.data["_entities"])


async def test_entities_match_the_root_field(gql: Gql) -> None:
    root = await gql('{ cartPromotions(customerId: "demo-loyal") { promotionName } }')
    entity = await gql(ENTITIES, {"representations": _customers(1)})

    assert root.data is not None and entity.data is not None
    names = [p["promotionName"] for p in entity.data["_entities"][0]["cartPromotions"]]
    assert names == [p["promotionName"] for p in root.data["cartPromotions"]]
    assert names, "demo-loyal has promotions"


@pytest.mark.parametrize(
    ("representation", "field"),
    [
        ({"id": "demo-loyal"}, "representations[0]"),
        ({"__typename": "Brand", "id": "acme"}, "representations[0]"),
        ({"__typename": "Customer", "id": ""}, "representations[0]"),
        ({"__typename": "Customer", "id": 7}, "representations[0]"),
    ],
)
async def test_malformed_representations_are_bad_input(
    gql: Gql, representation: dict[str, Any], field: str
) -> None:
    result = await gql(ENTITIES, {"representations": [representation]})

    assert result.errors is not None
    [error] = result.errors
    assert error.extensions is not None and error.extensions["code"] == "BAD_USER_INPUT"
    assert error.message.startswith(field)


async def test_too_many_representations_are_refused(gql: Gql) -> None:
    too_many = [{"__typename": "Customer", "id": f"c-{i}"} for i in range(201)]
    result = await gql(ENTITIES, {"representations": too_many})

    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "LIMIT_EXCEEDED"
    assert result.extensions is not None and result.extensions["sqlRoundTrips"] == 0


async def test_the_service_sdl_declares_the_entity_at_federation_v2_9(gql: Gql) -> None:
    result = await gql("{ _service { sdl } }")

    assert result.data is not None
    sdl = result.data["_service"]["sdl"]
    assert 'type Customer @key(fields: "id")' in sdl
    assert "https://specs.apollo.dev/federation/v2.9" in sdl
