"""In production, no error message suggests a name the caller did not send (issue 25).

A storefront's read key is public: validation and coercion messages must not rebuild the schema
for whoever holds it ("Did you mean 'personalizedOffers'?"). Development keeps the suggestions.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.settings import Settings
from tests.conftest import http_client

CART_VARIABLES = (
    'query ($s: [PromotionStatus!]) { cartPromotions(customerId: "c", status: $s) { id } }'
)
OFFERS_VARIABLES = (
    "query ($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) { expiresAt } }"
)

# (operation, variables, the real name a suggestion would give away)
PROBES: list[tuple[str, dict[str, Any] | None, str]] = [
    ("{ personalizedOffer { expiresAt } }", None, "personalizedOffers"),
    ('{ cartPromotions(customerID: "c") { id } }', None, "customerId"),
    ('{ cartPromotions(customerId: "c") { promotionNam } }', None, "promotionName"),
    ('{ personalizedOffers(input: {customerID: "c"}) { expiresAt } }', None, "customerId"),
    ('{ cartPromotions(customerId: "c", status: [ACTIV]) { id } }', None, "ACTIVE"),
    ("{ ...f } fragment f on Quer { __typename }", None, "Query"),
    (CART_VARIABLES, {"s": ["ACTIV"]}, "ACTIVE"),
    (OFFERS_VARIABLES, {"i": {"customerID": "c"}}, "customerId"),
]


async def _ask(settings: Settings, token: str | None) -> list[list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    errors: list[list[dict[str, Any]]] = []
    async with http_client(settings) as http:
        for query, variables, _ in PROBES:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            [*found] = response.json()["errors"]
            errors.append(found)
    return errors


async def test_production_messages_suggest_nothing(settings: Settings, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        reader = await keys.create_key(conn, "storefront", [Scope.READ], ["acme"])

    answers = await _ask(settings.model_copy(update={"env": "production"}), reader)

    for (query, _, hidden), errors in zip(PROBES, answers, strict=True):
        assert errors, query
        for error in errors:
            assert "Did you mean" not in error["message"], (query, error)
            assert hidden not in error["message"], (query, error)
            assert error["extensions"]["code"] in {
                "GRAPHQL_VALIDATION_FAILED",
                "BAD_USER_INPUT",
            }, (query, error)


@pytest.mark.parametrize("compiled", [True, False])
async def test_development_keeps_its_suggestions(settings: Settings, compiled: bool) -> None:
    answers = await _ask(settings.model_copy(update={"compiled_execution": compiled}), None)

    suggested = [
        any(hidden in e["message"] and "Did you mean" in e["message"] for e in errors)
        for (_, _, hidden), errors in zip(PROBES, answers, strict=True)
    ]
    assert all(suggested), suggested
