"""Build the app with chosen settings for HTTP-convention tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.settings import load_settings

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def client_factory(database_dsn: str, data_dir: Path) -> ClientFactory:
    """``async with make_client(env="production") as http:`` — the app with those settings."""

    @asynccontextmanager
    async def make_client(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        # API keys are tested in tests/auth; here production means its other conventions.
        defaults = {
            "database_url": database_dsn,
            "data_dir": data_dir,
            "require_api_keys": False,
            "signing_key": "test-signing-key",
        }
        settings = load_settings(**{**defaults, **overrides})
        app = create_app(settings)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield http

    return make_client
