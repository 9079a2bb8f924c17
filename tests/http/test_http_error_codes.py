"""Errors raised before GraphQL runs are JSON with ``extensions.code`` like every other error."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.http.apps import ClientFactory, client_factory


def _error(response: httpx.Response) -> dict[str, object]:
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert isinstance(error, dict)
    return error


async def test_malformed_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert _error(response) == {
        "message": "Unable to parse request body as JSON",
        "extensions": {"code": "BAD_REQUEST"},
    }


async def test_missing_query(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"variables": {}})

    assert response.status_code == 400
    assert _error(response)["extensions"] == {"code": "BAD_REQUEST"}


async def test_unsupported_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=b"{ __typename }")

    assert response.status_code == 400
    assert _error(response)["extensions"] == {"code": "BAD_REQUEST"}


async def test_unsupported_method(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 405
    assert _error(response)["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


async def test_no_graphiql_in_production(make_client: ClientFactory) -> None:
    async with make_client(env="production") as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 404
    assert _error(response)["extensions"] == {"code": "NOT_FOUND"}
