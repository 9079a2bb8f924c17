"""GatewayExecutionContext answers exactly as graphql-core does: data, errors, null propagation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from gateway.schema.execution import GatewayExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    colour: Colour
    price: Decimal
    at: datetime
    tags: list[str]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def next_count(self) -> int:
        return self.count + 1


def _item(**changes: Any) -> Item:
    fields: dict[str, Any] = {
        "name": "kettle",
        "note": None,
        "count": 3,
        "colour": Colour.BLUE,
        "price": Decimal("9.90"),
        "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "tags": ["a", "b"],
    }
    fields.update(changes)
    return Item(**fields)


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [_item(), _item(name="mug", note="blue", colour=Colour.RED)]

    @strawberry.field
    def broken(self) -> list[Item | None]:
        # A null in a non-null field, a value that is not an Int, a value that is not a Colour.
        return [_item(name=None), _item(count="many"), _item(colour="green"), _item()]


class CountingResolves(SchemaExtension):
    """An extension that resolves fields (as tracing does): every field keeps the full path."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        return _next(root, info, *args, **kwargs)


QUERIES = [
    "{ items { name note count colour price at tags shout nextCount __typename } }",
    "{ items { n: name c: count ...f ... on Item { colour } } } fragment f on Item { price }",
    "query ($skip: Boolean!) { items { name @skip(if: $skip) note @include(if: $skip) } }",
    "{ broken { name count colour } }",
    "{ broken { count } }",
    "{ items { name(x: 1) } }",
    # The same type under two selection sets: each is planned on its own.
    "{ a: items { name shout } b: items { count colour nextCount } c: broken { at tags } }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("extensions", [[], [CountingResolves]])
async def test_answers_like_graphql_core(query: str, extensions: list[type]) -> None:
    plain = strawberry.Schema(query=Query, extensions=extensions)
    short = strawberry.Schema(
        query=Query, extensions=extensions, execution_context_class=GatewayExecutionContext
    )
    variables = {"skip": True}

    expected = await plain.execute(query, variable_values=variables)
    actual = await short.execute(query, variable_values=variables)

    assert actual.data == expected.data
    assert [(e.message, e.path) for e in actual.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


async def test_bad_values_are_errors_with_their_path() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)

    result = await schema.execute("{ broken { name count colour } }")

    assert result.data == {
        "broken": [None, None, None, {"name": "kettle", "count": 3, "colour": "BLUE"}]
    }
    assert [e.path for e in result.errors or []] == [
        ["broken", 0, "name"],
        ["broken", 1, "count"],
        ["broken", 2, "colour"],
    ]
