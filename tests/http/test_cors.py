"""CORS: configured origins only; loopback origins in development; none by default in production."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.http.apps import ClientFactory, client_factory

PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
}


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


async def _preflight(http: httpx.AsyncClient, origin: str) -> httpx.Response:
    return await http.options("/graphql", headers={"origin": origin, **PREFLIGHT})


async def _post(http: httpx.AsyncClient, origin: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": origin})


async def test_configured_origin_is_allowed_with_the_api_key_header(
    make_client: ClientFactory,
) -> None:
    async with make_client(env="production", cors_origins="https://shop.example.com") as http:
        preflight = await _preflight(http, "https://shop.example.com")
        answer = await _post(http, "https://shop.example.com")

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "access-control-allow-credentials" not in answer.headers


async def test_other_origins_are_refused(make_client: ClientFactory) -> None:
    async with make_client(env="production", cors_origins="https://shop.example.com") as http:
        preflight = await _preflight(http, "https://evil.example.com")
        answer = await _post(http, "https://evil.example.com")

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


async def test_production_allows_no_origin_by_default(make_client: ClientFactory) -> None:
    async with make_client(env="production") as http:
        preflight = await _preflight(http, "http://localhost:3000")
        answer = await _post(http, "http://localhost:3000")

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://127.0.0.1:5173", True),
        ("http://[::1]:8080", True),
        ("https://localhost", True),
        ("https://shop.example.com", False),
        ("http://localhost.evil.example.com", False),
    ],
)
async def test_development_allows_loopback_origins_by_default(
    make_client: ClientFactory, origin: str, allowed: bool
) -> None:
    async with make_client(env="development") as http:
        preflight = await _preflight(http, origin)

    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed


REAL_CLIENT_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "x-request-id",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
]


@pytest.mark.parametrize("env", ["development", "production"])
async def test_the_headers_real_clients_send_pass_a_preflight(
    make_client: ClientFactory, env: str
) -> None:
    origin = "http://localhost:5173"
    async with make_client(env=env, cors_origins=origin) as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "GET",
                # As Chrome sends it: lowercase, comma-separated, sorted.
                "access-control-request-headers": ",".join(sorted(REAL_CLIENT_HEADERS)),
            },
        )

    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == origin
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert set(REAL_CLIENT_HEADERS) <= allowed
    assert "access-control-allow-credentials" not in preflight.headers


async def test_an_unknown_header_still_fails_the_preflight(make_client: ClientFactory) -> None:
    async with make_client(env="development") as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "origin": "http://localhost:5173",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-something-else",
            },
        )

    assert preflight.status_code == 400
