"""``@defer`` from compiled plans: every part as graphql-core sends it (ids, paths, labels,
``subPath``, batches, errors in later parts, fragments failed as a whole, nulled parents)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import ExperimentalIncrementalExecutionResults
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from gateway.operation.compiled import CompiledOperations
from gateway.operation.error_codes import classify
from gateway.settings import Settings
from tests.execution.test_execution import Query

SCHEMA = strawberry.Schema(
    query=Query, config=StrawberryConfig(enable_experimental_incremental_execution=True)
)

DEFERRED = [
    "{ items { name ... @defer { count } } }",
    '{ items { name ... @defer(label: "x") { count shout nextCount } } }',
    # Deferred and not: sent once, with the initial part (the fragment has nothing left).
    "{ items { name ... @defer { name } } }",
    '{ items { name ... @defer { count ... @defer(label: "inner") { colour } } } }',
    # The same field in two sibling fragments: one execution group for both.
    '{ items { ... @defer(label: "a") { name parts { label } } '
    '... @defer(label: "b") { name parts { weight } } } }',
    "{ ... @defer { items { name } } tags { label } }",
    '{ items { name ... F @defer(label: "f") } } fragment F on Item { count main { label } }',
    '{ items { name ...F } } fragment F on Item { ... @defer(label: "in") { count } }',
    "query ($d: Boolean!) { items { name ... @defer(if: $d) { count } } }",
    "query ($d: Boolean) { items { name ... @defer(if: $d) { count } } }",
    "{ items { name ... @defer(if: false) { count } } }",
    # Errors in later parts, fragments failing as a whole, parents nulled before their part.
    "{ items { name parts { ... @defer { fail } } } }",
    "{ items { name ... @defer { parts { fail } } } }",
    "{ items { name ... @defer { spare { fail } maybeParts { fail } } } }",
    "{ broken { name ... @defer { count colour } } }",
    "{ broken { count ... @defer { name } } }",
    "{ broken { ... @defer { name } parts { label ... @defer { weight } } } }",
    # A field's subfields deferred under it (subPath), nested defers, abstract types.
    "{ items { main { label ... @defer { double } } ... @defer { main { weight } } } }",
    '{ items { parts { label } ... @defer(label: "a") { parts { double } } } }',
    "{ labelled { label ... on Tag @defer { colour } } }",
    "{ tags { label ... @defer { colour } } }",
    '{ items { name ... @defer { nextCount } ... @defer(label: "two") { shout } } }',
    '{ items { ... @defer(label: "o") { name ... @defer(label: "i") { count } } } }',
    '{ items { ... @defer(label: "o") { loadedPart { ... @defer(label: "i") { double } } } } }',
]


async def _parts(result: Any) -> list[dict[str, Any]]:
    if not isinstance(result, ExperimentalIncrementalExecutionResults):
        return [result.formatted if hasattr(result, "formatted") else _plain(result)]
    later = [dict(part.formatted) async for part in result.subsequent_results]
    return [dict(result.initial_result.formatted), *later]


def _plain(result: Any) -> dict[str, Any]:
    return {"data": result.data, "errors": [e.formatted for e in result.errors or ()]}


def _coded(result: Any) -> Any:
    """graphql-core's initial errors coded as the gateway codes them (its extension does)."""
    initial = result.initial_result if hasattr(result, "initial_result") else result
    if initial.errors:
        initial.errors = [classify(error) for error in initial.errors]
    return result


@pytest.mark.parametrize("query", DEFERRED)
@pytest.mark.parametrize("deferred", [True, False])
async def test_every_part_is_graphql_cores(query: str, deferred: bool) -> None:
    variables = {"d": deferred}
    expected = await _parts(_coded(await SCHEMA.execute(query, variable_values=variables)))

    result = await CompiledOperations(SCHEMA, Settings()).execute(
        query, variables, None, None, None, {OperationType.QUERY}
    )

    assert result is not None, "fell back to graphql-core"
    assert await _parts(result) == expected


async def test_a_deferred_plan_says_what_comes_later() -> None:
    text = CompiledOperations(SCHEMA, Settings()).plan_text(
        '{ items { name ... @defer(label: "x") { count } } }'
    )

    assert text.splitlines() == [
        "query on Query",
        "  items: resolver called inline -> [Item!]!",
        "    name: attribute .name -> String!",
        "    later (@defer x)",
        "      count: attribute .count -> Int!",
    ]


async def test_a_null_defer_condition_runs_on_graphql_core() -> None:
    # ``if: Boolean! = true``: a null variable is graphql-core's error, for this request only.
    query = "query ($d: Boolean) { items { name ... @defer(if: $d) { count } } }"
    compiled = CompiledOperations(SCHEMA, Settings())
    allowed = {OperationType.QUERY}

    assert await compiled.execute(query, {"d": None}, None, None, None, allowed) is None
    assert await compiled.execute(query, {}, None, None, None, allowed) is not None
