"""Large responses are gzip-compressed when the client accepts it; small ones are not."""

from __future__ import annotations

import gzip
import json

import httpx

# The introspection result is tens of kilobytes.
LARGE = "{ __schema { types { name description fields { name description } } } }"
SMALL = "{ __typename }"
GZIP = {"accept-encoding": "gzip"}


async def _raw(client: httpx.AsyncClient, query: str, headers: dict[str, str]) -> httpx.Response:
    request = client.build_request("POST", "/graphql", json={"query": query}, headers=headers)
    return await client.send(request, stream=True)


async def test_large_response_is_gzipped_when_accepted(client: httpx.AsyncClient) -> None:
    response = await _raw(client, LARGE, GZIP)
    wire = b"".join([chunk async for chunk in response.aiter_raw()])  # not decoded by httpx

    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    body = gzip.decompress(wire)
    assert json.loads(body)["data"]["__schema"]["types"]
    assert len(wire) < len(body) / 3


async def test_small_response_is_not_gzipped(client: httpx.AsyncClient) -> None:
    response = await _raw(client, SMALL, GZIP)

    assert "content-encoding" not in response.headers


async def test_large_response_is_plain_when_gzip_not_accepted(client: httpx.AsyncClient) -> None:
    response = await _raw(client, LARGE, {"accept-encoding": "identity"})

    assert "content-encoding" not in response.headers
