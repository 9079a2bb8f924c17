"""Fuzz the GraphQL operations: schema-valid queries and mutations, and near-valid ones.

hypothesis-graphql builds operations from the gateway's schema (arguments as literals, scalar values
from ``tests.fuzz.scalars``); each is POSTed to the whole ASGI app. Whatever the input, every
response must pass ``assert_well_behaved``. See ``tests.fuzz.profiles`` for the run length.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, queries

from gateway.operation.assembly import build_schema
from gateway.settings import Settings
from tests.fuzz.checks import assert_well_behaved
from tests.fuzz.profiles import fuzz_settings
from tests.fuzz.scalars import CUSTOM_SCALARS

# The executable schema (graphql-core), federation fields included.
SCHEMA = build_schema(Settings())._schema

valid_queries = queries(SCHEMA, custom_scalars=CUSTOM_SCALARS)
valid_mutations = mutations(SCHEMA, custom_scalars=CUSTOM_SCALARS)
# One schema violation each: a wrong type, a missing argument, an unknown enum value...
invalid_operations = from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE)

# Large failing inputs (64 kB strings) are worth reporting as they are.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


async def _post(http: httpx.AsyncClient, query: str) -> None:
    response = await http.post("/graphql", json={"query": query})
    assert_well_behaved(response)


@fuzz_settings()
@given(query=valid_queries)
async def test_valid_queries_in_development(dev_client: httpx.AsyncClient, query: str) -> None:
    await _post(dev_client, query)


@fuzz_settings()
@given(mutation=valid_mutations)
async def test_valid_mutations_in_development(dev_client: httpx.AsyncClient, mutation: str) -> None:
    await _post(dev_client, mutation)


@fuzz_settings()
@given(operation=st.one_of(valid_queries, valid_mutations))
async def test_valid_operations_in_production(
    prod_client: httpx.AsyncClient, operation: str
) -> None:
    await _post(prod_client, operation)


@fuzz_settings()
@given(operation=invalid_operations)
async def test_invalid_operations_are_refused_with_a_code(
    dev_client: httpx.AsyncClient, operation: str
) -> None:
    await _post(dev_client, operation)
