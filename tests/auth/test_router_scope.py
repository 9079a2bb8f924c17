"""Only keys with the router scope may call _service and _entities."""

from __future__ import annotations

import asyncpg
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.settings import Settings
from tests.conftest import http_client

SERVICE = "{ _service { sdl } }"
HIDDEN = "query { ...Root } fragment Root on Query { _service { sdl } }"


@pytest.mark.parametrize("query", [SERVICE, HIDDEN])
async def test_a_read_key_cannot_use_router_fields(
    settings: Settings, pool: asyncpg.Pool, query: str
) -> None:
    async with pool.acquire() as conn:
        reader = await keys.create_key(conn, "web", [Scope.READ], ["acme"])
        router = await keys.create_key(conn, "router", [Scope.ROUTER], ["acme"])

    async with http_client(settings.model_copy(update={"env": "production"})) as http:
        refused = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {reader}"}
        )
        allowed = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {router}"}
        )

    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "_service: this API key lacks the 'router' scope"
    assert "type Query" in allowed.json()["data"]["_service"]["sdl"]
