"""Compiled plans answer exactly as graphql-core does: data, errors, null propagation, paths."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple, cast

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from gateway.operation.compiled import CompiledOperations
from gateway.operation.error_codes import Stage, classify
from gateway.operation.error_codes import coded as coded_as
from gateway.schema.views import viewing
from gateway.settings import Settings

RESOLVER_CALLS: list[str] = []


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Part:
    label: str
    weight: int

    @strawberry.field
    async def double(self) -> int:
        return self.weight * 2

    @strawberry.field
    async def fail(self) -> int:
        raise ValueError(f"no {self.label}")


class HeavyPart(Part):
    """A subclass of a planned type."""


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    colour: Colour
    price: Decimal
    at: datetime
    tags: list[str]
    parts: list[Part]
    spare: Part | None
    main: Part
    maybe_parts: list[Part | None] | None
    preloaded_part: strawberry.Private[Part | None] = None

    @strawberry.field
    def loaded_part(self) -> Part | None:
        RESOLVER_CALLS.append(self.name)
        if self.preloaded_part is not None:
            return self.preloaded_part
        return Part(label=f"resolved {self.name}", weight=0)

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def next_count(self) -> int:
        return self.count + 1


@strawberry.interface
class Labelled:
    label: str


@strawberry.type
class Tag(Labelled):
    """Implements an interface: strawberry gives it an is_type_of (an isinstance check)."""

    colour: Colour
    parts: list[Part]


class HeavyTag(Tag):
    """A subclass of a type implementing an interface."""


class Reading(NamedTuple):
    """A domain record, returned as it is for the ``Gauge`` type that views it."""

    label: str
    value: int


ID_CALLS: list[str] = []


def _reading_id(root: Reading) -> str:
    ID_CALLS.append(root.label)
    if root.value < 0:
        raise ValueError("a negative reading has no id")
    return f"reading-{root.label}"


@strawberry.type
class Gauge(Labelled):
    """A view of ``Reading`` records: plain fields read the record, ``id`` is computed."""

    id: str = strawberry.field(resolver=_reading_id)
    value: int

    is_type_of = viewing(Reading)


def _readings() -> list[Gauge | None]:
    # A record, one whose id raises, a null in a non-null field, a value of no viewed class.
    values = [Reading("a", 1), Reading("b", -1), Reading(None, 2), ("c", 3), Reading("d", 4)]  # type: ignore[arg-type]
    return cast(list[Gauge | None], values)


def _tags() -> list[Tag]:
    return [
        Tag(label="new", colour=Colour.RED, parts=[Part(label="p", weight=1)]),
        HeavyTag(label="heavy", colour=Colour.BLUE, parts=[]),
        Tag(label=None, colour=Colour.BLUE, parts=[]),  # type: ignore[arg-type]
    ]


def _item(**changes: Any) -> Item:
    fields: dict[str, Any] = {
        "name": "kettle",
        "note": None,
        "count": 3,
        "colour": Colour.BLUE,
        "price": Decimal("9.90"),
        "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "tags": ["a", "b"],
        "parts": [Part(label="lid", weight=1), Part(label="spout", weight=2)],
        "spare": None,
        "main": Part(label="body", weight=5),
        "maybe_parts": None,
    }
    fields.update(changes)
    return Item(**fields)


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            _item(preloaded_part=None),
            _item(
                name="mug",
                note="blue",
                colour=Colour.RED,
                spare=Part(label="handle", weight=1),
                maybe_parts=[Part(label="cup", weight=2), None],
                preloaded_part=Part(label="saucer", weight=3),
            ),
            _item(name="jug", parts=[]),
        ]

    @strawberry.field
    def tags(self) -> list[Tag | None]:
        return list(_tags())

    @strawberry.field
    def labelled(self) -> list[Labelled]:
        return list(_tags()[:2])

    @strawberry.field
    def gauges(self) -> list[Gauge | None]:
        return _readings()

    @strawberry.field
    def gauge(self) -> Gauge:
        return cast(Gauge, Reading("main", 7))

    @strawberry.field
    def readings(self) -> list[Labelled | None]:
        return [_tags()[0], *_readings()]

    @strawberry.field
    def broken(self) -> list[Item | None]:
        # A null in a non-null field, a value that is not an Int, a value that is not a Colour.
        return [
            _item(name=None),
            _item(count="many"),
            _item(colour="green"),
            _item(),
            # Nested: a null in a non-null item, a bad value in an object and in a nullable item,
            # a tuple, a subclass, an object where a list belongs, a list where an object does.
            _item(name="a", parts=[Part(label=None, weight=1)]),  # type: ignore[arg-type]
            _item(name="b", main=Part(label="x", weight="heavy")),  # type: ignore[arg-type]
            _item(name="c", maybe_parts=[Part(label="ok", weight="bad"), None]),  # type: ignore[arg-type]
            _item(name="d", parts=(Part(label="t", weight=1),)),
            _item(
                name="e",
                parts=[HeavyPart(label="h", weight=9)],
                spare=HeavyPart(label="s", weight=1),
            ),
            _item(name="f", parts=Part(label="p", weight=1)),
            _item(name="g", main=[Part(label="m", weight=1)]),
            _item(name="h", preloaded_part="not a part"),
        ]


QUERIES = [
    "{ items { name note count colour price at tags shout nextCount __typename } }",
    "{ items { n: name c: count ...f ... on Item { colour } } } fragment f on Item { price }",
    "query ($skip: Boolean!) { items { name @skip(if: $skip) note @include(if: $skip) } }",
    "{ broken { name count colour } }",
    "{ broken { count } }",
    "{ items { name(x: 1) } }",
    # The same type under two selection sets: each is planned on its own.
    "{ a: items { name shout } b: items { count colour nextCount } c: broken { at tags } }",
    # Objects and lists of objects, preloaded or not, with async fields and failures inside.
    "{ items { parts { label weight } spare { label } main { label weight } "
    "maybeParts { label } loadedPart { label weight } } }",
    "{ broken { name parts { label } main { weight } maybeParts { label weight } "
    "spare { label } loadedPart { label } } }",
    "{ items { parts { label double } main { double } maybeParts { double } } }",
    "{ items { name parts { fail } } }",
    "{ items { name maybeParts { label fail } spare { fail } } }",
    "{ items { parts { ... on Part { label } } main { ...W } } } fragment W on Part { weight }",
    "query ($skip: Boolean!) { items { parts @skip(if: $skip) { label } "
    "main @include(if: $skip) { label } spare { label @skip(if: $skip) weight } } }",
    "{ items { x: parts { label } y: parts { weight } main { label } main { weight } } }",
    # Compiled completers: __typename and aliases inside, nulls in nullable lists and objects.
    "{ items { __typename t: __typename parts { __typename l: label } spare { label } "
    "maybeParts { weight __typename } main { w: weight label } } }",
    "{ broken { __typename maybeParts { label } spare { weight } } }",
    # Types that implement an interface, directly and through it.
    "{ tags { label colour parts { label weight } __typename } }",
    "{ labelled { label __typename ... on Tag { colour parts { weight } } } }",
    # Types viewing domain records: attributes read from the record, an id computed inline.
    "{ gauges { id label value __typename } gauge { id value } }",
    "{ gauges { value } gauge { label } }",
    "{ readings { label __typename ... on Gauge { id value } ... on Tag { colour } } }",
]


def _compiled(schema: strawberry.Schema) -> CompiledOperations:
    return CompiledOperations(schema, Settings())


async def _run(
    schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None
) -> Any:
    result = await _compiled(schema).execute(
        query, variables, None, None, None, {strawberry.types.graphql.OperationType.QUERY}
    )
    assert result is not None, "the operation fell back to graphql-core"
    return result


def _errors(result: Any, *, coded: bool = False) -> list[tuple[Any, ...]]:
    errors = [
        (classify(e) if e.path else coded_as(e, Stage.VALIDATE)) if coded else e
        for e in result.errors or []
    ]
    return [(e.message, e.path, e.locations, e.extensions) for e in errors]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("skip", [True, False])
async def test_answers_like_graphql_core(query: str, skip: bool) -> None:
    schema = strawberry.Schema(query=Query)
    variables = {"skip": skip}

    expected = await schema.execute(query, variable_values=variables)
    actual = await _run(schema, query, variables)

    assert actual.data == expected.data
    # graphql-core's errors, coded (and masked) as the gateway codes every error.
    assert _errors(actual) == _errors(expected, coded=True)


async def test_bad_values_are_errors_with_their_path() -> None:
    result = await _run(strawberry.Schema(query=Query), "{ broken { name count colour } }")

    assert result.data is not None
    assert result.data["broken"][:4] == [
        None,
        None,
        None,
        {"name": "kettle", "count": 3, "colour": "BLUE"},
    ]
    assert [e.path for e in result.errors or []] == [
        ["broken", 0, "name"],
        ["broken", 1, "count"],
        ["broken", 2, "colour"],
    ]


async def test_bad_nested_values_are_errors_with_their_path() -> None:
    query = "{ broken { name parts { label } maybeParts { weight } } }"
    result = await _run(strawberry.Schema(query=Query), query)

    assert result.data is not None
    by_name = {item["name"]: item for item in result.data["broken"] if item is not None}
    assert by_name["c"]["maybeParts"] == [None, None]
    assert by_name["d"]["parts"] == [{"label": "t"}]
    assert [e.path for e in result.errors or []] == [
        ["broken", 0, "name"],
        ["broken", 4, "parts", 0, "label"],
        ["broken", 6, "maybeParts", 0, "weight"],
        ["broken", 9, "parts"],  # an object where a list belongs
    ]


async def test_unexpected_errors_are_masked_and_coded() -> None:
    result = await _run(strawberry.Schema(query=Query), "{ items { name spare { fail } } }")

    assert result.data is not None
    assert {e.extensions["code"] for e in result.errors or []} == {"INTERNAL_SERVER_ERROR"}
    assert all("no " not in e.message for e in result.errors or [])


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("{ __schema { queryType { name } } }", "introspection"),
        ("{ items { name tags @stream(initialCount: 1) } }", "@stream"),
    ],
)
async def test_what_plans_do_not_cover_falls_back(query: str, reason: str) -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    compiled = _compiled(strawberry.Schema(query=Query, config=config))

    assert (
        await compiled.execute(
            query, None, None, None, None, {strawberry.types.graphql.OperationType.QUERY}
        )
        is None
    )
    assert reason in compiled.plan_text(query)


def test_a_plan_reads_attributes_and_calls_resolvers_with_converted_arguments() -> None:
    text = _compiled(strawberry.Schema(query=Query)).plan_text(
        "{ items { n: name shout parts { label double } } }"
    )

    assert text.splitlines() == [
        "query on Query",
        "  items: resolver called inline -> [Item!]!",
        "    n: name: attribute .name -> String!",
        "    shout: resolver called inline -> String!",
        "    parts: attribute .parts -> [Part!]!",
        "      label: attribute .label -> String!",
        "      double: resolver -> Int!",
    ]


async def test_a_type_viewing_records_completes_them_without_calling_unselected_resolvers() -> None:
    schema = strawberry.Schema(query=Query)
    compiled = _compiled(schema)
    query = "{ gauges { label value } }"
    plan = compiled.plan_text("{ gauges { id value } }").splitlines()

    ID_CALLS.clear()
    result = await _run(schema, query)

    assert "    id: resolver called inline -> String!" in plan
    assert ID_CALLS == []
    assert result.data == {
        "gauges": [
            {"label": "a", "value": 1},
            {"label": "b", "value": -1},
            None,
            None,
            {"label": "d", "value": 4},
        ]
    }
    assert [e.path for e in result.errors or []] == [["gauges", 2, "label"], ["gauges", 3]]
