"""GatewayExecutionContext answers exactly as graphql-core does: data, errors, null propagation."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from gateway.execution.context import NOT_LOADED, GatewayExecutionContext, NotLoaded, preloaded

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
    """A subclass: its values are not exactly Part's class, so they take graphql-core's path."""


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
    preloaded_part: strawberry.Private[Part | NotLoaded | None] = NOT_LOADED

    @strawberry.field
    @preloaded("preloaded_part")
    def loaded_part(self) -> Part | None:
        RESOLVER_CALLS.append(self.name)
        if not isinstance(self.preloaded_part, NotLoaded):
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
    """A subclass: not exactly Tag's class, so it takes graphql-core's path (is_type_of)."""


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
]


# An extension that resolves fields (tracing) turns the short path off: such a run would
# compare graphql-core with itself, so none is made here.
@pytest.mark.parametrize("query", QUERIES)
async def test_answers_like_graphql_core(query: str) -> None:
    plain = strawberry.Schema(query=Query)
    short = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    variables = {"skip": True}

    expected = await plain.execute(query, variable_values=variables)
    actual = await short.execute(query, variable_values=variables)

    assert actual.data == expected.data
    assert [(e.message, e.path, e.locations, e.extensions) for e in actual.errors or []] == [
        (e.message, e.path, e.locations, e.extensions) for e in expected.errors or []
    ]


async def test_bad_values_are_errors_with_their_path() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)

    result = await schema.execute("{ broken { name count colour } }")

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
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)

    result = await schema.execute("{ broken { name parts { label } maybeParts { weight } } }")

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


async def test_preloaded_fields_read_their_attribute_instead_of_the_resolver() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    RESOLVER_CALLS.clear()

    result = await schema.execute("{ items { name loadedPart { label } } }")

    assert result.errors is None
    assert result.data == {
        "items": [
            {"name": "kettle", "loadedPart": None},
            {"name": "mug", "loadedPart": {"label": "saucer"}},
            {"name": "jug", "loadedPart": {"label": "resolved jug"}},
        ]
    }
    assert RESOLVER_CALLS == ["jug"]  # the only one not preloaded


async def test_a_document_executed_again_answers_from_its_own_data() -> None:
    # The second run reuses the first's field collections and plans (shared across requests):
    # it must still read its own values.
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    query = "query Q { items { name parts { label ...W } } } fragment W on Part { weight }"

    first = await schema.execute(query)
    second = await schema.execute(query)
    skipped = await schema.execute(
        "query ($s: Boolean!) { items { name @skip(if: $s) } }", variable_values={"s": True}
    )
    shown = await schema.execute(
        "query ($s: Boolean!) { items { name @skip(if: $s) } }", variable_values={"s": False}
    )

    assert first.errors is None and second.errors is None
    assert first.data == second.data
    assert second.data is not None
    assert [i["name"] for i in second.data["items"]] == ["kettle", "mug", "jug"]
    assert second.data["items"][0]["parts"] == [
        {"label": "lid", "weight": 1},
        {"label": "spout", "weight": 2},
    ]
    assert skipped.data == {"items": [{}, {}, {}]}
    assert shown.data == {"items": [{"name": "kettle"}, {"name": "mug"}, {"name": "jug"}]}


async def test_static_selections_of_plain_values_are_completed_in_one_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A compiled completer does each item's whole subtree: no execute_fields per nested object.
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    calls: list[str] = []
    original = GatewayExecutionContext.execute_fields

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(GatewayExecutionContext, "execute_fields", counting)

    result = await schema.execute("{ items { name parts { label } main { weight } } }")
    dynamic = await schema.execute(
        "query ($s: Boolean!) { items { name @skip(if: $s) parts { label } } }",
        variable_values={"s": False},
    )

    assert result.errors is None and dynamic.errors is None
    assert result.data is not None
    assert result.data["items"][1] == {
        "name": "mug",
        "parts": [{"label": "lid"}, {"label": "spout"}],
        "main": {"weight": 5},
    }
    assert calls[:1] == ["Query"]
    # The static operation: only its root. The one with a directive: every item and part.
    static_calls = calls[: len(calls) - calls[::-1].index("Query") - 1]
    assert static_calls == ["Query"]
    assert calls.count("Part") == 4  # kettle and mug have two, jug none


async def test_types_that_implement_an_interface_keep_the_compiled_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    calls: list[str] = []
    original = GatewayExecutionContext.execute_fields

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(GatewayExecutionContext, "execute_fields", counting)

    result = await schema.execute("{ items { name } tags { label parts { weight } } }")

    assert result.data is not None
    assert result.data["tags"][0] == {"label": "new", "parts": [{"weight": 1}]}
    # Items and the first tag are compiled; the subclass and the null label fall back.
    assert calls.count("Tag") == 2
    assert calls.count("Item") == 0


class _RequestState:
    """Stands for a request's context: loaders and the rows they read."""


async def test_a_request_is_freed_when_it_ends_without_a_garbage_collection() -> None:
    # graphql-core's execution context holds helpers bound to itself; a cycle through it kept
    # the context value (loaders, rows) alive until the collector ran.
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    state = _RequestState()
    alive = weakref.ref(state)
    gc.disable()
    try:
        result = await schema.execute(
            "{ items { name nextCount parts { label double } } }", context_value=state
        )
        assert result.errors is None
        del state, result
        assert alive() is None
    finally:
        gc.enable()


INCREMENTAL = StrawberryConfig(enable_experimental_incremental_execution=True)

DEFERRED_QUERIES = [
    "{ items { name ... @defer { count colour parts { label } } } }",
    '{ items { name ... @defer(label: "more") { spare { label } main { label weight } } } }',
    "{ items { name parts { label ... @defer { double } } } }",
    "{ items { name ...F @defer } } fragment F on Item { price at tags loadedPart { label } }",
    "query ($d: Boolean!) { items { name ... @defer(if: $d) { count } } }",
    # Overlapping selections: the deferred part carries only what the initial part lacks.
    "{ items { main { label } ... @defer { main { label weight } } } }",
    "{ items { name } ... @defer { broken { name count colour } } }",
    "{ items { name ... @defer { parts { fail } } } }",
    "{ broken { name ... @defer { maybeParts { label weight } main { weight } } } }",
    "{ items @stream(initialCount: 1) { name parts { label } } }",
    "{ items { parts @stream(initialCount: 0) { label ... @defer { double } } } }",
    "{ broken @stream(initialCount: 2) { name count } }",
]


async def _all_parts(schema: strawberry.Schema, query: str) -> list[Any]:
    result: Any = await schema.execute(query, variable_values={"d": True})
    if not hasattr(result, "initial_result"):
        return [(result.data, [(e.message, e.path) for e in result.errors or []])]
    return [result.initial_result.formatted] + [
        part.formatted async for part in result.subsequent_results
    ]


@pytest.mark.parametrize("query", DEFERRED_QUERIES)
async def test_deferred_answers_like_graphql_core(query: str) -> None:
    plain = strawberry.Schema(query=Query, config=INCREMENTAL)
    short = strawberry.Schema(
        query=Query,
        config=INCREMENTAL,
        execution_context_class=GatewayExecutionContext,
    )

    expected = await _all_parts(plain, query)
    actual = await _all_parts(short, query)

    assert len(expected) > 1  # delivered incrementally
    assert actual == expected
