"""Query limits: refused with LIMIT_EXCEEDED before any SQL runs."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.settings import Settings
from tests.conftest import http_client

DEEP = '{ cartPromotions(customerId: "demo-loyal") { restrictions { customer { kpi } } } }'


async def _post(settings: Settings, query: str) -> dict[str, Any]:
    async with http_client(settings) as http:
        response = await http.post("/graphql", json={"query": query})
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("limit", "query", "fragment"),
    [
        ({"max_query_depth": 2}, DEEP, "exceeds maximum operation depth of 2"),
        ({"max_query_aliases": 2}, "{ a: __typename b: __typename c: __typename }", "aliases"),
        ({"max_query_tokens": 10}, "{ " + "__typename " * 20 + "}", "more than 10 tokens"),
    ],
)
async def test_limits_are_refused_with_a_code_and_no_sql(
    settings: Settings, limit: dict[str, int], query: str, fragment: str
) -> None:
    body = await _post(settings.model_copy(update=limit), query)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert fragment in error["message"]
    assert body.get("data") is None
    assert body["extensions"]["sqlRoundTrips"] == 0  # development mode reports it, always


async def test_queries_inside_the_limits_run(settings: Settings) -> None:
    body = await _post(settings, DEEP)

    assert "errors" not in body
    assert isinstance(body["data"]["cartPromotions"], list)
