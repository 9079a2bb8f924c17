"""leaf_coercer answers as each type's own coerce_output_value, or Undefined where that fails."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLScalarType, Undefined

from gateway.execution.leaf_coercion import leaf_coercer
from gateway.promotions.model import RestrictionKpi, RestrictionLevel
from gateway.schema import build_schema

SCHEMA = build_schema()._schema
LEAF_TYPES = sorted(
    (t for t in SCHEMA.type_map.values() if isinstance(t, GraphQLScalarType | GraphQLEnumType)),
    key=lambda t: t.name,
)


class Other(Enum):
    CART = "cart"


SAMPLES: list[Any] = [
    "kettle", "", "cart", "CART", 0, 7, 2**40, -1.5, True, False, Decimal("9.90"),
    datetime(2026, 1, 2, tzinfo=UTC), {"a": [1]}, [1, 2], ValueError("boom"), object(),
    *RestrictionLevel, *RestrictionKpi, Other.CART,
]  # fmt: skip


def _expected(leaf_type: GraphQLScalarType | GraphQLEnumType, value: Any) -> Any:
    if isinstance(value, Exception):
        return Undefined
    try:
        coerced = leaf_type.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced


@pytest.mark.parametrize("leaf_type", LEAF_TYPES, ids=lambda t: t.name)
def test_coerces_like_the_type_itself(leaf_type: GraphQLScalarType | GraphQLEnumType) -> None:
    coerce = leaf_coercer(leaf_type)
    for value in SAMPLES:
        assert coerce(value) == _expected(leaf_type, value), (leaf_type.name, value)


def test_enum_members_become_their_names() -> None:
    level = SCHEMA.type_map["RestrictionLevel"]
    assert isinstance(level, GraphQLEnumType)
    coerce = leaf_coercer(level)
    assert [coerce(member) for member in RestrictionLevel] == list(level.values)
    assert coerce(Other.CART) is Undefined  # another enum's member, equal value or not
