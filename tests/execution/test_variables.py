"""The compiled variable coercer gives exactly what graphql-core's ``get_variable_values`` gives.

Generated cases (fixed seed, bounded): one to three variables of random types over the production
schema's input types (in lists, non-null or not, some with a default), and values shaped by those
types with nulls, wrong JSON types, single values for lists, missing and extra fields, enum names
and near misses. Both must give the same coerced values (types compared exactly, key order
included) and sources, or the same errors (message, locations, path), with suggestions hidden and
shown, with and without an error limit. A second, small schema adds what the production schema
lacks: a recursive input type, ``@oneOf``, defaults on input fields (one invalid), ``out_name``
and ``out_type``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLDefaultInput,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    Undefined,
    VariableDefinitionNode,
    parse,
    parse_const_value,
    parse_type,
    print_ast,
    type_from_ast,
)
from graphql.execution.values import get_variable_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import scenarios
from gateway.execution import variables as variables_module
from gateway.execution.internals import graphql_schema
from gateway.execution.variables import VariableCoercer
from gateway.operation.assembly import build_schema
from tests.execution.variable_values import (
    Values,
    input_types,
    json_values,
    literal,
    type_references,
)

PRODUCTION = graphql_schema(build_schema())


def _const(text: str) -> Any:
    return parse_const_value(text)


def definitions(query: str) -> tuple[VariableDefinitionNode, ...]:
    """The variable definitions of the first operation of ``query``."""
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.variable_definitions or ()


_COLOR = GraphQLEnumType("Color", {"RED": 0, "GREEN": 1, "BLUE": None})
_TREE: GraphQLInputObjectType = GraphQLInputObjectType(
    "Tree",
    lambda: {
        "value": GraphQLInputField(GraphQLInt, default=GraphQLDefaultInput(literal=_const("7"))),
        "children": GraphQLInputField(GraphQLList(GraphQLNonNull(_TREE))),
    },
)
_POINT = GraphQLInputObjectType(
    "Point",
    {
        "x": GraphQLInputField(GraphQLNonNull(GraphQLFloat)),
        "y": GraphQLInputField(GraphQLFloat, default=GraphQLDefaultInput(1.5)),
        "tags": GraphQLInputField(
            GraphQLList(GraphQLString), default=GraphQLDefaultInput(literal=_const('["a"]'))
        ),
        "color": GraphQLInputField(GraphQLNonNull(_COLOR), out_name="colour", default_value=0),
    },
    out_type=lambda fields: tuple(fields.items()),
)
_LOPSIDED = GraphQLInputObjectType(  # @oneOf with a default (an invalid schema)
    "Lopsided",
    {
        "a": GraphQLInputField(GraphQLInt, default=GraphQLDefaultInput(5)),
        "b": GraphQLInputField(GraphQLInt),
    },
    is_one_of=True,
)
_BROKEN = GraphQLInputObjectType(  # a field's default that does not coerce (an invalid schema)
    "Broken",
    {
        "bad": GraphQLInputField(GraphQLInt, default=GraphQLDefaultInput(literal=_const('"x"'))),
        "ok": GraphQLInputField(GraphQLInt),
    },
)
_ONE = GraphQLInputObjectType(
    "One", {"a": GraphQLInputField(GraphQLInt), "b": GraphQLInputField(_POINT)}, is_one_of=True
)
EXTRA = GraphQLSchema(
    GraphQLObjectType(
        "Query",
        {
            "f": GraphQLField(
                GraphQLInt,
                {
                    n: GraphQLArgument(t)
                    for n, t in (
                        ("t", _TREE),
                        ("p", _POINT),
                        ("o", _ONE),
                        ("b", _BROKEN),
                        ("l", _LOPSIDED),
                    )
                },
            )
        },
    )
)
SCHEMAS = {"production": PRODUCTION, "extra": EXTRA}


@st.composite
def cases(draw: st.DrawFn, schema: GraphQLSchema, values: Values) -> dict[str, Any]:
    """Variable definitions (as a document), request variables, and the call's options."""
    named = input_types(schema)
    declared, inputs = [], {}
    for index in range(draw(st.sampled_from([1, 1, 2, 3]))):
        name, text = f"v{index}", draw(type_references(named))
        type_ = type_from_ast(schema, parse_type(text))
        default = literal(draw(values.of(type_)), type_) if draw(st.integers(0, 3)) == 0 else None
        declared.append(f"${name}: {text}" + (f" = {default}" if default else ""))
        if draw(st.integers(0, 5)):  # given five times in six
            inputs[name] = draw(values.of(type_))
    if draw(st.integers(0, 5)) == 0:
        inputs["unused"] = draw(json_values)
    return {
        "document": f"query ({', '.join(declared)}) {{ __typename }}",
        "inputs": inputs,
        "hide_suggestions": draw(st.booleans()),
        "max_errors": draw(st.sampled_from([None, 1, 50])),
    }


def exactly(value: Any) -> Any:
    """``value`` with every type spelled out (1, 1.0 and True differ; NaN equals NaN)."""
    if isinstance(value, dict):
        return ("dict", [(k, exactly(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [exactly(v) for v in value])
    if isinstance(value, str | int | None):
        return (type(value).__name__, value)
    return (type(value).__name__, repr(value))  # NaN (float or Decimal) equals itself


def raised_or(call: Any, *args: Any, **kwargs: Any) -> Any:
    """What ``call`` returns, or the exception it raises (an invalid default in the schema)."""
    try:
        return call(*args, **kwargs)
    except TypeError as error:
        return error


def outcome(result: Any) -> Any:
    """What a caller of ``get_variable_values`` can read of its result, comparably."""
    if isinstance(result, Exception):
        return (type(result).__name__, str(result))
    if isinstance(result, list):
        return [
            (e.message, [(loc.line, loc.column) for loc in e.locations or ()], e.path)
            for e in result
        ]
    sources = {
        name: (
            source.signature.name,
            str(source.signature.type),
            print_ast(source.signature.default.literal) if source.signature.default else None,
            "absent" if source.value is Undefined else id(source.value),
        )
        for name, source in result.sources.items()
    }
    return exactly(result.coerced), list(sources.items())


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
def test_the_coercer_answers_as_graphql_core(
    schema_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = SCHEMAS[schema_name]
    seen: Counter[str] = Counter()
    reference = get_variable_values

    def counted(*args: Any) -> Any:
        seen["handed to graphql-core"] += 1
        return reference(*args)

    monkeypatch.setattr(variables_module, "get_variable_values", counted)

    @settings(
        max_examples=300,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases(schema, Values(schema)))
    def check(case: dict[str, Any]) -> None:
        defined = definitions(case["document"])
        options = {k: case[k] for k in ("max_errors", "hide_suggestions")}

        expected = raised_or(reference, schema, defined, case["inputs"], **options)
        before = seen["handed to graphql-core"]
        coercer = VariableCoercer(schema, defined)
        actual = raised_or(coercer, case["inputs"], **options)

        assert outcome(actual) == outcome(expected), case
        handed = seen["handed to graphql-core"] > before
        seen[
            "errors" if isinstance(expected, list) else "fast" if not handed else "slow values"
        ] += 1

    check()

    print(schema_name, seen)
    # Both outcomes are reached often: values on the fast path, and errors.
    assert seen["errors"] >= 60, seen
    if schema_name == "production":
        assert seen["fast"] >= 60, seen
    else:  # a recursive type is always handed over; the others are not
        assert seen["slow values"] >= 5 and seen["fast"] >= 30, seen


EDGES: list[Any] = [
    *(0, 1, -1, 3, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53 + 1, 10**400),
    *(0.0, -0.0, 3.0, 3.5, 1e308, float("inf"), float("-inf"), float("nan")),
    *(True, False, None, "", "3", "3.5", "true", "ACTIVE", "active", "2026-01-01T00:00:00+00:00"),
    *("12.5", "NaN", "sNaN", ["ACTIVE"], [], [None], {}, {"x": 1}, ("ACTIVE",)),
]
LEAVES = [
    *(("production", leaf) for leaf in ("Int", "String", "ID", "Boolean", "DateTime", "Decimal")),
    *(("production", leaf) for leaf in ("JSON", "PromotionStatus")),
    *(("extra", leaf) for leaf in ("Float", "Color")),  # not in the production schema
]


@pytest.mark.parametrize(("schema_name", "leaf"), LEAVES)
def test_leaves_take_what_graphql_core_takes_at_every_edge(schema_name: str, leaf: str) -> None:
    # Every edge value for each leaf, alone, non-null, and in a list (a single value promoted).
    schema = SCHEMAS[schema_name]
    for text in (leaf, f"{leaf}!", f"[{leaf}!]"):
        defined = definitions(f"query ($v: {text}) {{ __typename }}")
        coercer = VariableCoercer(schema, defined)
        assert coercer.fast
        for value in EDGES:
            for hide in (False, True):
                expected = get_variable_values(schema, defined, {"v": value}, None, hide)

                actual = coercer({"v": value}, None, hide)

                assert outcome(actual) == outcome(expected), (text, value)


EXTRA_CASES: list[tuple[str, dict[str, Any]]] = [
    # out_name, out_type and input field defaults (a literal, a value, a deprecated value)
    ("query ($p: Point) { __typename }", {"p": {"x": 1}}),
    ("query ($p: [Point!]!) { __typename }", {"p": {"x": 2.5, "color": "BLUE", "tags": "t"}}),
    ("query ($p: Point = {x: 1, tags: null}) { __typename }", {}),
    ("query ($p: Point) { __typename }", {"p": {"x": 1, "colour": "RED"}}),
    # @oneOf: exactly one field, not null
    ("query ($o: One) { __typename }", {"o": {"a": 1}}),
    ("query ($o: One) { __typename }", {"o": {"a": 1, "b": {"x": 1}}}),
    ("query ($o: One) { __typename }", {"o": {"a": None}}),
    ("query ($o: One) { __typename }", {"o": {}}),
    ("query ($o: One) { __typename }", {"o": {"a": Undefined, "b": {"x": 1}}}),
    ("query ($l: Lopsided) { __typename }", {"l": {}}),
    ("query ($l: Lopsided) { __typename }", {"l": {"b": 1}}),
    # a field whose default does not coerce (graphql-core raises)
    ("query ($b: Broken) { __typename }", {"b": {"bad": 1}}),
]


@pytest.mark.parametrize(("query", "variables"), EXTRA_CASES)
def test_what_the_production_schema_lacks_is_coerced_alike(
    query: str, variables: dict[str, Any]
) -> None:
    defined = definitions(query)
    expected = raised_or(get_variable_values, EXTRA, defined, variables)

    actual = raised_or(VariableCoercer(EXTRA, defined), variables)

    assert outcome(actual) == outcome(expected)


BENCH = [
    (scenarios.CART, {"customerId": "c-000042"}),
    (scenarios.PERSONALIZED, scenarios.personalized_variables(42)),
    (scenarios.ENTITIES, {"representations": [{"__typename": "Customer", "id": "c-1"}]}),
    (
        "query ($s: [PromotionStatus!] = [ACTIVE], $n: Boolean = false) { __typename }",
        {},
    ),
]


@pytest.mark.parametrize(("query", "variables"), BENCH)
def test_the_bench_operations_take_the_fast_path(
    query: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    defined = definitions(query)
    expected = get_variable_values(PRODUCTION, defined, variables, hide_suggestions=True)
    coercer = VariableCoercer(PRODUCTION, defined)

    def not_called(*args: Any) -> Any:
        raise AssertionError("handed to graphql-core")

    monkeypatch.setattr(variables_module, "get_variable_values", not_called)
    actual = coercer(variables, max_errors=50, hide_suggestions=True)

    assert coercer.fast
    assert outcome(actual) == outcome(expected)


def test_a_recursive_input_type_is_left_to_graphql_core() -> None:
    # graphql-core refuses values nested deeper than its limit: only it counts the depth.
    defined = definitions("query ($t: Tree) { f(t: $t) }")
    deep: dict[str, Any] = {}
    for _ in range(300):
        deep = {"children": [deep]}

    coerced = VariableCoercer(EXTRA, defined)({"t": deep})

    assert not VariableCoercer(EXTRA, defined).fast
    assert isinstance(coerced, list)
    assert coerced[0].message == "Variable values are nested too deeply."
