"""Output coercion for scalar and enum fields on the execution short path.

graphql-core coerces every leaf value through its type's ``coerce_output_value``; strawberry's
enum type finds a member's name by scanning all values and comparing ``.value`` (a Python
property per comparison). The coercers here give the same answers faster for the values a
dataclass field normally holds — a dict lookup for enum members, nothing at all for a ``str``
in a String or ID field — and hand anything else to the type's own coercion. They never raise:
``Undefined`` means "let graphql-core complete this field", which then reports the error exactly
as it always does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)
from graphql import Undefined as _Undefined
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

Coercer = Callable[[Any], Any]

_IDENTITY_TYPES: dict[GraphQLScalarType | GraphQLEnumType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
}
_INT_RANGE = range(-(2**31), 2**31)


def leaf_coercer(leaf_type: GraphQLScalarType | GraphQLEnumType) -> Coercer:
    """A coercer for ``leaf_type``: the coerced value, or Undefined for graphql-core's path.

    >>> leaf_coercer(GraphQLString)("kettle")
    'kettle'
    """
    general = _guarded(leaf_type.coerce_output_value)
    if isinstance(leaf_type, CustomGraphQLEnumType):
        return _enum_coercer(leaf_type, general)
    plain = _IDENTITY_TYPES.get(leaf_type)
    if plain is not None:

        def identity(value: Any) -> Any:
            return value if type(value) is plain else general(value)

        return identity
    if leaf_type is GraphQLInt:

        def int32(value: Any) -> Any:
            return value if type(value) is int and value in _INT_RANGE else general(value)

        return int32
    origin = getattr(
        leaf_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF), "origin", None
    )
    if isinstance(origin, type):
        return _origin_coercer(origin, leaf_type.coerce_output_value, general)
    return general


def exact_class(leaf_type: GraphQLScalarType | GraphQLEnumType) -> type | None:
    """The class whose values ``leaf_type`` outputs unchanged (``str`` for String and ID)."""
    return _IDENTITY_TYPES.get(leaf_type)


def _guarded(coerce: Coercer) -> Coercer:
    def guarded(value: Any) -> Any:
        if isinstance(value, Exception):
            return _Undefined  # a resolver's error value: graphql-core raises it, located
        try:
            coerced = coerce(value)
        except Exception:  # graphql-core reports it, with the field's path
            return _Undefined
        return _Undefined if coerced is None else coerced

    return guarded


def _origin_coercer(origin: type, serialize: Coercer, general: Coercer) -> Coercer:
    """A strawberry scalar's values of exactly its Python class skip the general checks."""

    def by_origin(value: Any) -> Any:
        if type(value) is not origin:
            return general(value)
        try:
            coerced = serialize(value)
        except Exception:
            return _Undefined
        return _Undefined if coerced is None else coerced

    return by_origin


def _enum_coercer(enum_type: CustomGraphQLEnumType, general: Coercer) -> Coercer:
    # By id: Enum hashes members with a Python-level __hash__; members live as long as their
    # class, so no other object can have one of these ids.
    names: dict[int, str] = {}
    member: Any
    for member in enum_type.wrapped_cls:
        name = general(member)
        if name is not _Undefined:
            names[id(member)] = name

    def by_member(value: Any) -> Any:
        name = names.get(id(value))
        return general(value) if name is None else name

    return by_member
