"""Input objects built from GraphQL input values by a converter worked out once per type.

strawberry converts an input value field by field, and for each field on every request it
resolves the annotation, checks for generics and derives the GraphQL name — a fifth of a
``personalizedOffers`` request. ``compiled_input`` sets strawberry's documented ``from_input``
hook of an input type to a converter that does that work once, on first use: scalar and enum
values (already parsed by graphql-core) are taken as they are, lists of them copied (as strawberry
does: graphql-core shares defaults between requests), nested input objects with a ``from_input``
of their own are built by it directly, and anything else — lists of inputs, ``Maybe``, relay
ids — goes through strawberry's own conversion (``InputContext.convert``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar, cast

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    get_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

InputT = TypeVar("InputT", bound=type)

# How one field's value is converted: None takes it as it is.
FieldConverter = Callable[[Any, InputContext, str], Any] | None


class _Field(NamedTuple):
    graphql_name: str
    python_name: str
    convert: FieldConverter


def compiled_input(cls: InputT) -> InputT:
    """Give a ``@strawberry.input`` class a converter compiled on first use (apply above it).

    >>> @compiled_input
    ... @strawberry.input
    ... class RequestContextInput: ...
    """
    definition = get_object_definition(cls, strict=True)
    compiled: list[_Field] = []
    implicit_nulls = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
    }

    def from_input(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not compiled and definition.fields:
            compiled.extend(_compile(definition, context))
        kwargs = dict(implicit_nulls)
        for field in compiled:
            if field.graphql_name in value:
                item = value[field.graphql_name]
                convert = field.convert
                kwargs[field.python_name] = (
                    item if convert is None else convert(item, context, field.graphql_name)
                )
        return type_(**kwargs)

    definition.from_input = from_input
    return cls


def _compile(definition: StrawberryObjectDefinition, context: InputContext) -> list[_Field]:
    return [
        _Field(
            context.config.name_converter.from_field(field),
            field.python_name,
            _converter(field.resolve_type(type_definition=definition), context),
        )
        for field in definition.fields
    ]


def _converter(type_: StrawberryType | type, context: InputContext) -> FieldConverter:
    inner = type_.of_type if isinstance(type_, StrawberryOptional) and not isinstance(
        type_, StrawberryMaybe
    ) else type_  # fmt: skip
    if _is_plain_leaf(inner, context):
        return None  # None stays None: the same for optional leaves
    if isinstance(inner, StrawberryList) and _is_plain_leaf(
        _unwrap_optional(inner.of_type), context
    ):
        return _copy_list

    nested = _nested_input(inner)
    if nested is not None:
        return nested

    def strawberry_conversion(value: Any, context: InputContext, key: str) -> Any:
        return context.convert(value, type_, key)

    return strawberry_conversion


def _nested_input(type_: StrawberryType | type) -> FieldConverter:
    """An input object type with its own ``from_input``: called directly, as strawberry would
    after its dispatch on the type (None: not such a type)."""
    definition = get_object_definition(type_)
    if definition is None or not definition.is_input or definition.from_input is None:
        return None
    from_input = definition.from_input
    cls = cast(type, type_)  # a class: it has an object definition

    def convert_nested(value: Any, context: InputContext, key: str) -> Any:
        if value is None:
            return None
        inner = InputContext(
            info=context.info,
            config=context.config,
            scalar_registry=context.scalar_registry,
            path=(*context.path, key),
        )
        return from_input(cls, value, inner)

    return convert_nested


def _copy_list(value: Any, _context: InputContext, _key: str) -> Any:
    return None if value is None else list(value)


def _unwrap_optional(type_: StrawberryType | type) -> StrawberryType | type:
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        return type_.of_type
    return type_


def _is_plain_leaf(type_: StrawberryType | type, context: InputContext) -> bool:
    """A scalar or enum strawberry passes through unchanged (GlobalID it decodes: not plain)."""
    if type_ is GlobalID or isinstance(type_, StrawberryType | StrawberryMaybe):
        return isinstance(type_, StrawberryEnumDefinition)
    return has_enum_definition(type_) or is_scalar(type_, context.scalar_registry)
