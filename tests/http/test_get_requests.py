"""Queries over GET (cacheable URLs); mutations refused over GET with a coded 405."""

from __future__ import annotations

import httpx

JSON = {"accept": "application/json"}


async def test_query_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query Q($skip: Boolean!) { __typename @skip(if: $skip) }",
            "variables": '{"skip": false}',
        },
        headers=JSON,
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=JSON
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    [error] = response.json()["errors"]
    assert error == {
        "message": "mutations are not allowed when using GET",
        "extensions": {"code": "METHOD_NOT_ALLOWED"},
    }
