"""Argument values as resolvers take them, by converters worked out once per argument type.

strawberry converts an argument on every call: it dispatches on the annotation, resolves each
input field's type and derives its GraphQL name, per field, per request. Here the same work is
done once per type: scalars and enums (already coerced by graphql-core) pass as they are, lists
of them are copied (graphql-core shares defaults between requests), input objects are built from
their fields' converters, and anything else (``Maybe``, relay ids, an input type with its own
``from_input``) goes through strawberry's own ``convert_argument``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    get_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def converter(type_: StrawberryType | type, strawberry_schema: Any) -> Convert:
    """How a graphql-core value of ``type_`` becomes the resolver's Python value (None stays).

    >>> from gateway.operation.assembly import build_schema
    >>> converter(str, build_schema())("kettle")
    'kettle'
    """
    return _Converters(strawberry_schema).of(type_)


class _Converters:
    def __init__(self, strawberry_schema: Any) -> None:
        self.schema = strawberry_schema
        self.registry = strawberry_schema.schema_converter.scalar_registry
        self.config = strawberry_schema.config

    def of(self, type_: StrawberryType | type) -> Convert:
        if isinstance(type_, StrawberryMaybe):
            return self._strawberrys(type_)
        if isinstance(type_, StrawberryOptional):
            return self.of(type_.of_type)
        if self._plain_leaf(type_):
            return _identity
        if isinstance(type_, StrawberryList):
            return self._list(type_)
        definition = get_object_definition(type_)
        if definition is not None and definition.is_input and definition.from_input is None:
            return self._input(type_, definition)
        return self._strawberrys(type_)

    def _plain_leaf(self, type_: Any) -> bool:
        """A scalar or enum passed unchanged (a GlobalID strawberry decodes: not plain)."""
        if type_ is GlobalID or isinstance(type_, StrawberryMaybe):
            return False
        if isinstance(type_, StrawberryType):
            return isinstance(type_, StrawberryEnumDefinition)
        return has_enum_definition(type_) or is_scalar(type_, self.registry)

    def _list(self, type_: StrawberryList) -> Convert:
        item_type = type_.of_type
        if isinstance(item_type, StrawberryOptional) and not isinstance(item_type, StrawberryMaybe):
            item_type = item_type.of_type
        if self._plain_leaf(item_type):

            def copied(value: Any) -> Any:
                return None if value is None else list(value)

            return copied
        item = self.of(type_.of_type)

        def each(value: Any) -> Any:
            return None if value is None else [item(x) for x in value]

        return each

    def _input(self, cls: Any, definition: Any) -> Convert:
        fields: list[tuple[str, str, Convert]] = []
        required = {
            field.python_name: None
            for field in definition.fields
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        }
        built = False

        def build(value: Any) -> Any:
            nonlocal built
            if value is None:
                return None
            if not built:  # on first use: an input type may refer to itself
                fields.extend(
                    (
                        self.config.name_converter.from_field(field),
                        field.python_name,
                        self.of(field.resolve_type(type_definition=definition)),
                    )
                    for field in definition.fields
                )
                built = True
            kwargs = dict(required)
            for graphql_name, python_name, convert in fields:
                if graphql_name in value:
                    kwargs[python_name] = convert(value[graphql_name])
            return cls(**kwargs)

        return build

    def _strawberrys(self, type_: Any) -> Convert:
        registry, config = self.registry, self.config

        def strawberry_conversion(value: Any) -> Any:
            return convert_argument(value, type_, registry, config)

        return strawberry_conversion
