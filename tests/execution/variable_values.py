"""Strategies for variables' values, shaped by their GraphQL input type, and for variable types.

A value is valid through and through three times in four, so that coercion reaches every level,
and otherwise broken at some level: null where null is not allowed, objects with a random subset of
their fields (required ones missing) and fields that do not exist, single values where a list is
expected, enum near misses, scalars out of range, non-finite or of the wrong JSON type, or any JSON
value at all.
"""

from __future__ import annotations

import json
import re
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    is_introspection_type,
    is_required_input_field,
)
from hypothesis import strategies as st

from tests.fuzz.scalars import DEMO_IDS

_text = st.text(max_size=8)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.floats(),
        _text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_text, children, max_size=3)
    ),
    max_leaves=6,
)

_INT_EDGES = [0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53 + 1, 10**400]
_FLOAT_EDGES = [0.0, 3.0, 3.5, -0.0, float("inf"), float("-inf"), float("nan"), 1e308]

SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "ID": st.one_of(st.sampled_from(DEMO_IDS), _text, st.integers(), st.sampled_from([2.0, 2.5])),
    "String": st.one_of(_text, st.sampled_from(["", "nul\x00inside", "é", "2"])),
    "Int": st.one_of(st.integers(-(2**32), 2**32), st.sampled_from(_INT_EDGES + _FLOAT_EDGES)),
    "Float": st.one_of(st.floats(), st.integers(), st.sampled_from(_INT_EDGES)),
    "Boolean": st.one_of(st.booleans(), st.sampled_from([0, 1, "true", 1.0])),
    "DateTime": st.sampled_from(
        [
            "2026-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00",
            "9999-12-31T23:59:59-14:00",
            "2026-02-30T00:00:00Z",
            "yesterday",
            "",
            0,
        ]
    ),
    "Decimal": st.sampled_from(
        ["12.5", "-0.001", "1e400", "NaN", "Infinity", "sNaN", "x", 12, 1.5]
    ),
}


VALID_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "ID": st.one_of(st.sampled_from(DEMO_IDS), _text, st.integers(-(2**40), 2**40)),
    "String": _text,
    "Int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([3.0, -0.0])),
    "Float": st.one_of(
        st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53)
    ),
    "Boolean": st.booleans(),
    "DateTime": st.sampled_from(["2026-01-01T00:00:00+00:00", "2026-06-30T12:30:00-05:00"]),
    "Decimal": st.sampled_from(["12.5", "-0.001", "0", 12, "1E+3"]),
}


class Values:
    """Value strategies for the input types of one schema (built once per type).

    ``of`` draws a value valid through and through three times in four; otherwise one broken at
    its top level, whose parts are drawn by ``of`` again (so broken at some depth).
    """

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._named: dict[tuple[str, bool], st.SearchStrategy[Any]] = {}

    def of(self, type_: Any) -> st.SearchStrategy[Any]:
        """A value for ``type_``: mostly valid, sometimes null, of the wrong shape or any JSON."""
        valid = self._valid(type_)
        return st.one_of(valid, valid, valid, self._broken(type_))

    def valid(self, type_: Any) -> st.SearchStrategy[Any]:
        """A value ``type_`` takes (for a custom scalar: most often)."""
        return self._valid(type_)

    def _valid(self, type_: Any) -> st.SearchStrategy[Any]:
        if isinstance(type_, GraphQLNonNull):
            return self._valid_non_null(type_.of_type)
        inner = self._valid_non_null(type_)
        return st.one_of(inner, inner, inner, st.none())

    def _valid_non_null(self, type_: Any) -> st.SearchStrategy[Any]:
        if isinstance(type_, GraphQLList):
            item = self._valid(type_.of_type)
            return st.one_of(st.lists(item, max_size=3), item)  # a single value: a list of one
        return self._named_type(type_, valid=True)

    def _broken(self, type_: Any) -> st.SearchStrategy[Any]:
        if isinstance(type_, GraphQLNonNull):
            return st.one_of(st.none(), self._broken(type_.of_type))
        if isinstance(type_, GraphQLList):
            item = self.of(type_.of_type)
            return st.one_of(st.lists(item, max_size=3), json_values)
        return st.one_of(self._named_type(type_, valid=False), json_values)

    def _named_type(self, type_: GraphQLNamedType, valid: bool) -> st.SearchStrategy[Any]:
        key = (type_.name, valid)
        if key not in self._named:  # deferred: an input type may refer to itself
            self._named[key] = st.deferred(lambda: self._build(type_, valid))
        return self._named[key]

    def _build(self, type_: GraphQLNamedType, valid: bool) -> st.SearchStrategy[Any]:
        if isinstance(type_, GraphQLEnumType):
            names = sorted(type_.values)
            if valid:
                return st.sampled_from(names)
            return st.one_of(
                st.sampled_from(names).map(str.lower),
                st.sampled_from(names).map(lambda n: [n]),
                st.sampled_from(["", "NOPE", "ACTIV"]),
            )
        if isinstance(type_, GraphQLInputObjectType):
            return self._object(type_, valid)
        if valid:
            return VALID_SCALARS.get(type_.name, json_values)
        return SCALARS.get(type_.name, json_values)

    def _object(self, type_: GraphQLInputObjectType, valid: bool) -> st.SearchStrategy[Any]:
        fields = type_.fields
        if valid and type_.is_one_of:
            return st.one_of(
                [
                    st.fixed_dictionaries({n: self._valid_non_null(f.type)})
                    for n, f in fields.items()
                ]
            )
        if valid:
            required = {
                n: self._valid(f.type) for n, f in fields.items() if is_required_input_field(f)
            }
            optional = {n: self._valid(f.type) for n, f in fields.items() if n not in required}
            return st.fixed_dictionaries(required, optional=optional)
        any_fields = st.fixed_dictionaries(
            {}, optional={n: self.of(f.type) for n, f in fields.items()}
        )
        extra = st.dictionaries(
            st.sampled_from(["nope", "__typename", "x"]), json_values, min_size=1
        )
        return st.one_of(any_fields, st.tuples(any_fields, extra).map(lambda p: {**p[0], **p[1]}))


def input_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    """The schema's named input types (scalars, enums, input objects), introspection's left out."""
    return [
        t
        for name, t in sorted(schema.type_map.items())
        if isinstance(t, GraphQLScalarType | GraphQLEnumType | GraphQLInputObjectType)
        and not is_introspection_type(t)
    ]


@st.composite
def type_references(draw: st.DrawFn, named: list[GraphQLNamedType]) -> str:
    """A variable's type as written in a document: a named type, in lists, non-null or not."""
    text = draw(st.sampled_from(named)).name
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            text += "!"
        text = f"[{text}]"
    if draw(st.booleans()):
        text += "!"
    return text


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")


def literal(value: Any, type_: Any) -> str | None:
    """``value`` written as a GraphQL literal for ``type_`` (None: it has no literal form)."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None:
        return "null"
    if isinstance(type_, GraphQLList) and isinstance(value, list):
        items = [literal(item, type_.of_type) for item in value]
        if any(item is None for item in items):
            return None
        return "[" + ", ".join(str(item) for item in items) + "]"
    if isinstance(type_, GraphQLList):
        type_ = type_.of_type
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        enum_name = _NAME.match(value) and value not in ("true", "false", "null")
        if isinstance(type_, GraphQLEnumType) and enum_name:
            return value
        return json.dumps(value) if value.isascii() and value.isprintable() else None
    if isinstance(value, dict):
        fields = {k: literal(v, _field_type(type_, k)) for k, v in value.items()}
        if any(not _NAME.match(k) or v is None for k, v in fields.items()):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"
    return None


def _field_type(type_: Any, name: str) -> Any:
    if isinstance(type_, GraphQLInputObjectType) and name in type_.fields:
        return type_.fields[name].type
    return None
