"""Refusals before GraphQL runs (413, 429) answer in the media type the client's Accept prefers.

The 503 OVERLOADED refusal is checked the same way on a served gateway, in test_overload.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.http.refusals import Refusal
from tests.http.apps import ClientFactory, client_factory

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json"
HELLO = {"query": "{ __typename }"}
# (Accept header, the content type the refusal must have)
ACCEPTS = [
    ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
    ("application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/json, application/graphql-response+json", JSON),
    ("*/*", JSON),
    (None, JSON),
]


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


def _headers(accept: str | None) -> dict[str, str]:
    return {} if accept is None else {"accept": accept}


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.parametrize(("accept", "content_type"), ACCEPTS)
async def test_a_body_too_large_is_413_in_the_preferred_media_type(
    make_client: ClientFactory, accept: str | None, content_type: str
) -> None:
    async with make_client(max_body_bytes=1024) as http:
        body = {"query": "{ __typename }", "variables": {"pad": "x" * 2000}}
        response = await http.post("/graphql", json=body, headers=_headers(accept))

    assert response.status_code == 413
    assert response.headers["content-type"] == content_type
    assert _code(response) == "PAYLOAD_TOO_LARGE"
    assert "1024-byte limit" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("accept", "content_type"), ACCEPTS)
async def test_a_rate_limited_request_is_429_in_the_preferred_media_type(
    make_client: ClientFactory, accept: str | None, content_type: str
) -> None:
    # Development without keys: every request shares one bucket of 1, refilled every 1000 s.
    async with make_client(rate_limit=0.001, rate_limit_burst=1) as http:
        first = await http.post("/graphql", json=HELLO, headers=_headers(accept))
        limited = await http.post("/graphql", json=HELLO, headers=_headers(accept))

    assert first.status_code == 200
    assert limited.status_code == 429
    assert limited.headers["content-type"] == content_type
    assert limited.headers["retry-after"] == "1000"
    assert _code(limited) == "RATE_LIMITED"


def test_a_refusal_is_built_once_with_one_header_set_per_media_type() -> None:
    refusal = Refusal.build(429, "RATE_LIMITED", "over", [(b"x-extra", b"1")])

    assert refusal.body == b'{"errors":[{"message":"over","extensions":{"code":"RATE_LIMITED"}}]}'
    assert dict(refusal.json_headers) == {
        b"content-type": b"application/json",
        b"content-length": str(len(refusal.body)).encode(),
        b"x-extra": b"1",
    }
    assert dict(refusal.graphql_headers)[b"content-type"] == GRAPHQL_RESPONSE.encode()
    accept = [(b"accept", b"application/graphql-response+json")]
    assert refusal.headers_for({"headers": accept}) is refusal.graphql_headers
    assert refusal.headers_for({"headers": []}) is refusal.json_headers


async def test_a_streamed_body_without_a_length_is_counted_and_refused_past_the_limit(
    make_client: ClientFactory,
) -> None:
    # No Content-Length (the body comes in chunks): the limit is read off what arrives.
    chunks = [b'{"query": "{ __typename }", "variables": {"pad": "', b"x" * 800, b"x" * 800, b'"}}']

    async def streamed(parts: list[bytes]) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async with make_client(max_body_bytes=1024) as http:
        json = {"content-type": "application/json"}
        refused = await http.post("/graphql", content=streamed(chunks), headers=json)
        hello = [b'{"query": ', b'"{ __typename }"}']
        small = await http.post("/graphql", content=streamed(hello), headers=json)

    assert "content-length" not in refused.request.headers
    assert refused.status_code == 413
    assert _code(refused) == "PAYLOAD_TOO_LARGE"
    assert small.status_code == 200, small.text
    assert small.json() == {"data": {"__typename": "Query"}, "extensions": {"sqlRoundTrips": 0}}
