"""Fuzz the HTTP surface: broken bodies, hostile documents, wrong variable types, junk keys.

Whatever arrives, the answer is a coded JSON error or a result: never a 5xx, a masked internal
error or a traceback (``assert_well_behaved``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import example, given

from tests.fuzz.checks import assert_well_behaved
from tests.fuzz.hostile import JSON_TYPE, RawRequest, hostile_requests
from tests.fuzz.profiles import fuzz_settings
from tests.fuzz.variables import OPERATIONS, operations_with_variables

# Large failing inputs (64 kB strings) are worth reporting as they are.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


async def _send(http: httpx.AsyncClient, raw: RawRequest) -> None:
    response = await http.request(
        raw.method,
        "/graphql",
        content=raw.content or None,
        params=list(raw.params),
        # As bytes: clients do send non-ASCII header values (httpx would refuse a str).
        headers={name.encode(): value.encode() for name, value in raw.headers.items()},
    )
    if raw.method == "GET" and response.headers.get("content-type", "").startswith("text/html"):
        # A browser-like GET without a query gets the GraphiQL page (development only).
        assert response.status_code == 200
        assert "graphiql" in response.text.lower()
        return
    assert_well_behaved(response)


@fuzz_settings()
@given(raw=hostile_requests)
async def test_hostile_requests_in_development(
    dev_client: httpx.AsyncClient, raw: RawRequest
) -> None:
    await _send(dev_client, raw)


@fuzz_settings()
@given(raw=hostile_requests)
async def test_hostile_requests_in_production(
    prod_client: httpx.AsyncClient, raw: RawRequest
) -> None:
    await _send(prod_client, raw)


@fuzz_settings()
@given(body=operations_with_variables())
async def test_variables_of_any_json_type(
    dev_client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    raw = RawRequest(content=json.dumps(body).encode(), headers=JSON_TYPE)
    await _send(dev_client, raw)


@fuzz_settings()
@given(body=operations_with_variables())
@example(  # a message quoting the client's own 'AaError' key is not a leak
    body={"query": OPERATIONS["event"][0], "variables": {"id": {"AaError": None}}}
)
async def test_variables_of_any_json_type_in_production(
    prod_client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    raw = RawRequest(content=json.dumps(body).encode(), headers=JSON_TYPE)
    await _send(prod_client, raw)
