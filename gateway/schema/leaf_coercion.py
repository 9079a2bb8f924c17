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

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLID, GraphQLScalarType, GraphQLString
from graphql import Undefined as _Undefined
from strawberry.schema.schema_converter import CustomGraphQLEnumType

Coercer = Callable[[Any], Any]

_IDENTITY_TYPES = {GraphQLString.name: str, GraphQLID.name: str, GraphQLBoolean.name: bool}


def leaf_coercer(leaf_type: GraphQLScalarType | GraphQLEnumType) -> Coercer:
    """A coercer for ``leaf_type``: the coerced value, or Undefined for graphql-core's path.

    >>> leaf_coercer(GraphQLString)("kettle")
    'kettle'
    """
    general = _guarded(leaf_type.coerce_output_value)
    if isinstance(leaf_type, CustomGraphQLEnumType):
        return _enum_coercer(leaf_type, general)
    plain = _IDENTITY_TYPES.get(leaf_type.name)
    if plain is not None and leaf_type in (GraphQLString, GraphQLID, GraphQLBoolean):

        def identity(value: Any) -> Any:
            return value if type(value) is plain else general(value)

        return identity
    return general


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


def _enum_coercer(enum_type: CustomGraphQLEnumType, general: Coercer) -> Coercer:
    names: dict[Any, str] = {}
    member: Any
    for member in enum_type.wrapped_cls:
        name = general(member)
        if name is not _Undefined:
            names[member] = name

    def by_member(value: Any) -> Any:
        try:
            name = names.get(value)
        except TypeError:  # unhashable: not a member
            name = None
        return general(value) if name is None else name

    return by_member
