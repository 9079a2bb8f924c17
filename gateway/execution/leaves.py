"""Serializers for scalar and enum leaves, chosen once per leaf type when a plan is built.

The answers equal graphql-core's ``coerce_output_value``: a plain value the type outputs as it is
(a ``str`` in a String or ID field, a ``bool``, an ``int`` in range) is taken without a call, an
enum member is looked up by identity, and anything else goes through the type's own coercion,
whose errors are the field's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLString,
    Undefined,
)
from graphql.pyutils import inspect

Serialize = Callable[[Any], Any]

_PLAIN_CLASSES: dict[GraphQLLeafType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
}
_INT_RANGE = range(-(2**31), 2**31)


class Inline(NamedTuple):
    """How generated code serializes a leaf in an expression (``gateway.execution.codegen``).

    ``kind``: "plain" (``data``: the class output as it is), "int32", "enum" (``data``: names
    by member id) or "coerce" (``data``: the type's own ``coerce_output_value``, its result
    checked for null inline). Anything unexpected is redone by the general path, which calls
    ``serializer``'s function and raises its errors.
    """

    kind: str
    data: Any


def inline(leaf_type: GraphQLLeafType) -> Inline:
    """The inline form of ``leaf_type``'s serializer.

    >>> inline(GraphQLString), inline(GraphQLInt).kind
    (Inline(kind='plain', data=<class 'str'>), 'int32')
    """
    plain = _PLAIN_CLASSES.get(leaf_type)
    if plain is not None:
        return Inline("plain", plain)
    if leaf_type is GraphQLInt:
        return Inline("int32", _INT_RANGE)
    if isinstance(leaf_type, GraphQLEnumType):
        return Inline("enum", _names_by_member_id(leaf_type, _checked(leaf_type)))
    return Inline("coerce", leaf_type.coerce_output_value)


def serializer(leaf_type: GraphQLLeafType) -> Serialize:
    """How values of ``leaf_type`` are output; raises as graphql-core's completion does.

    The function form of ``inline``: the same plain, int32 and enum shortcuts, then the type's
    own coercion.

    >>> serializer(GraphQLString)("kettle")
    'kettle'
    >>> serializer(GraphQLInt)(True)
    1
    """
    general = _checked(leaf_type)
    kind, data = inline(leaf_type)
    if kind == "plain":

        def identity(value: Any) -> Any:
            return value if type(value) is data else general(value)

        return identity
    if kind == "int32":

        def int32(value: Any) -> Any:
            return value if type(value) is int and value in data else general(value)

        return int32
    if kind == "enum":
        # By id: Enum members hash through a Python-level __hash__, and they live as long as
        # their class, so no other object can hold one of these ids.

        def by_member(value: Any) -> Any:
            name = data.get(id(value))
            return general(value) if name is None else name

        return by_member
    return general


def _checked(leaf_type: GraphQLLeafType) -> Serialize:
    coerce = leaf_type.coerce_output_value

    def coerce_checked(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(leaf_type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned: {inspect(coerced)}"
            )
        return coerced

    return coerce_checked


def _names_by_member_id(enum_type: GraphQLEnumType, general: Serialize) -> dict[int, str]:
    # strawberry's enum types wrap a Python Enum class (``wrapped_cls``: see
    # ``gateway.execution.internals``).
    names: dict[int, str] = {}
    for member in getattr(enum_type, "wrapped_cls", ()):
        names[id(member)] = general(member)
    return names
