"""Authentication over HTTP: keys required in production, checked whenever sent."""

from __future__ import annotations

import asyncpg
import httpx

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.settings import Settings
from tests.conftest import http_client

TYPENAME = {"query": "{ __typename }"}


async def _token(pool: asyncpg.Pool, *scopes: Scope) -> str:
    async with pool.acquire() as conn:
        return await keys.create_key(conn, "test", list(scopes), ["acme"])


async def test_production_refuses_a_request_without_a_key(settings: Settings) -> None:
    async with http_client(settings.model_copy(update={"env": "production"})) as http:
        response = await http.post("/graphql", json=TYPENAME)

    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Authorization:")


async def test_production_serves_a_request_with_a_valid_key(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    token = await _token(pool, Scope.READ)

    async with http_client(settings.model_copy(update={"env": "production"})) as http:
        response = await http.post(
            "/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {token}"}
        )

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}  # no debug extensions


async def test_a_bad_key_is_refused_even_in_development(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json=TYPENAME, headers={"Authorization": "Bearer gw_nope"}
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_development_on_loopback_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=TYPENAME)

    assert response.status_code == 200


async def test_production_turns_introspection_off_but_keeps_the_router_sdl(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    token = await _token(pool, Scope.READ, Scope.ROUTER)
    headers = {"Authorization": f"Bearer {token}"}

    async with http_client(settings.model_copy(update={"env": "production"})) as http:
        introspection = await http.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
        )
        sdl = await http.post("/graphql", json={"query": "{ _service { sdl } }"}, headers=headers)

    assert introspection.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "type Customer" in sdl.json()["data"]["_service"]["sdl"]
