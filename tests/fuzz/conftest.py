"""Clients on the full ASGI app for the fuzz tests: development, and production with a key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from gateway.settings import Settings
from tests.conftest import http_client

ALL_SCOPES = [Scope.READ, Scope.WRITE, Scope.ADMIN, Scope.ROUTER]
PRODUCTION_SIGNING_KEY = "fuzz-signing-key-0123456789abcdef"


@pytest.fixture
async def dev_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in development mode (no key needed, debug extensions on)."""
    async with http_client(settings) as http:
        yield http


@pytest.fixture
async def prod_client(settings: Settings, database_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in production mode; the client sends a key with every scope for both brands."""
    conn = await asyncpg.connect(database_dsn)
    try:
        token = await create_key(conn, "fuzz", ALL_SCOPES, ["acme", "globex"])
    finally:
        await conn.close()
    production = settings.model_copy(
        update={"env": "production", "signing_key": SecretStr(PRODUCTION_SIGNING_KEY)}
    )
    async with http_client(production) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        yield http
