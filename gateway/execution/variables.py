"""Variables coerced by a function built once per operation from its variable definitions.

graphql-core's ``get_variable_values`` works the definitions out on every request: it resolves
each variable's type from the AST, builds its signature, re-coerces its default, dispatches on the
type at every level of the value and checks the nesting depth. Here that dispatch is done once:
each variable gets a converter specialised for its type (non-null or nullable; a list, with a
single value taken as a list of one; an input object with its fields' defaults and required fields;
an enum by its names; String, ID, Int, Float and Boolean checked inline, other scalars through the
type's own ``coerce_input_value``).

Only the happy path is fast. A converter never reports an error: on any value it would not take
as graphql-core does, the whole set of variables goes to ``get_variable_values``, so the errors
(messages, paths, suggestions hidden or not, the error limit) are graphql-core's own. Values that
are taken equal graphql-core's, key order included; ``tests/execution/test_variables.py`` checks
both on generated definitions and values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum
from math import isfinite
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    VariableDefinitionNode,
    is_input_type,
    is_required_input_field,
    type_from_ast,
)
from graphql.execution.values import (
    VariableValues,
    VariableValueSource,
    get_variable_values,
)
from graphql.utilities import coerce_input_literal

from gateway.execution.internals import (
    MAX_NESTING_DEPTH,
    coerce_default_value,
    get_variable_signature,
)

Convert = Callable[[Any], Any]
Coerced = list[GraphQLError] | VariableValues

# tuple.__new__ builds the named tuples without their Python-level __new__ (half the time).
_new = tuple.__new__
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Values a default may share between requests: graphql-core hands out a fresh one per request.
_IMMUTABLE = (str, int, float, bool, type(None), Enum)


class _Slow(Exception):
    """A value the fast path does not take: graphql-core coerces the whole set instead."""


# An input field's default when it has none and is non-null, or has one that does not coerce.
_MUST_BE_GIVEN: Any = object()


class VariableCoercer:
    """The variables of one operation, coerced as ``get_variable_values`` coerces them.

    >>> from graphql import build_schema, parse
    >>> schema = build_schema("type Query { a(n: Int, s: [String]): Int }")
    >>> operation = parse("query ($n: Int = 3, $s: [String]) { a(n: $n, s: $s) }").definitions[0]
    >>> coerce = VariableCoercer(schema, operation.variable_definitions)
    >>> coerce({"s": "one"}).coerced
    {'n': 3, 's': ['one']}
    >>> coerce({"n": "three"})[0].message
    "Variable '$n' has invalid value: Int cannot represent non-integer value: 'three'"
    """

    def __init__(
        self, schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
    ) -> None:
        self.schema = schema
        self.definitions = tuple(definitions)
        converters = _Converters()
        try:
            self._variables: tuple[_Variable, ...] | None = tuple(
                _Variable(schema, definition, converters) for definition in self.definitions
            )
        except _Slow:  # a definition graphql-core reports on, or a type nested too deeply
            self._variables = None

    @property
    def fast(self) -> bool:
        """Whether values of these definitions can take the fast path at all."""
        return self._variables is not None

    def __call__(
        self,
        inputs: dict[str, Any],
        max_errors: int | None = None,
        hide_suggestions: bool = False,
    ) -> Coerced:
        """The coerced variables, or graphql-core's errors (see ``get_variable_values``)."""
        variables = self._variables
        if variables is not None and type(inputs) is dict:
            sources: dict[str, VariableValueSource] = {}
            coerced: dict[str, Any] = {}
            try:
                for variable in variables:
                    variable.coerce(inputs, sources, coerced)
            except (_Slow, RecursionError):
                pass
            else:
                return _new(VariableValues, (sources, coerced))
        return get_variable_values(
            self.schema, self.definitions, inputs, max_errors, hide_suggestions
        )


class _Variable:
    """One variable definition: its name, signature, converter and default."""

    __slots__ = ("absent", "convert", "default", "literal", "name", "nullable", "signature", "type")

    def __init__(
        self, schema: GraphQLSchema, definition: VariableDefinitionNode, converters: _Converters
    ) -> None:
        type_ = type_from_ast(schema, definition.type)
        if type_ is None or not is_input_type(type_) or _depth(type_) > MAX_NESTING_DEPTH:
            raise _Slow
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError):  # pragma: no cover - is_input_type checked
            raise _Slow
        self.name = signature.name
        self.signature = signature
        self.type: GraphQLInputType = type_
        self.absent = VariableValueSource(signature)
        self.nullable = not isinstance(type_, GraphQLNonNull)
        self.convert = converters.of(type_)
        self.literal = definition.default_value
        self.default: Any = Undefined
        if self.literal is not None:
            try:
                default = coerce_input_literal(self.literal, type_)
            except Exception:  # graphql-core reports it, on the slow path
                default = Undefined
            if default is not Undefined and isinstance(default, _IMMUTABLE):
                self.default = default

    def coerce(
        self, inputs: dict[str, Any], sources: dict[str, Any], coerced: dict[str, Any]
    ) -> None:
        name = self.name
        value = inputs.get(name, Undefined)
        if value is Undefined:
            sources[name] = self.absent
            if self.literal is not None:
                default = self.default
                if default is Undefined:  # a list or object: fresh per request, as graphql-core
                    try:
                        default = coerce_input_literal(self.literal, self.type)
                    except Exception:  # an input field's invalid default: graphql-core reports
                        raise _Slow from None
                    if default is Undefined:
                        raise _Slow
                coerced[name] = default
            elif not self.nullable:
                raise _Slow
            return
        sources[name] = _new(VariableValueSource, (self.signature, value))
        coerced[name] = self.convert(value)


def _depth(type_: Any, seen: frozenset[str] = frozenset()) -> float:
    """How deep graphql-core's nesting check may count in a value of ``type_`` (inf: recursive)."""
    if isinstance(type_, GraphQLNonNull):
        return _depth(type_.of_type, seen)
    if isinstance(type_, GraphQLList):
        return 1 + _depth(type_.of_type, seen)
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return float("inf")
        inner = seen | {type_.name}
        return 1 + max((_depth(f.type, inner) for f in type_.fields.values()), default=-1)
    return 0


class _Converters:
    """Converters by type, each built once (input objects may refer to themselves)."""

    def __init__(self) -> None:
        self._objects: dict[str, Convert] = {}

    def of(self, type_: Any) -> Convert:
        if isinstance(type_, GraphQLNonNull):
            return self._of(type_.of_type, nullable=False)
        return self._of(type_, nullable=True)

    def _of(self, type_: Any, nullable: bool) -> Convert:
        if isinstance(type_, GraphQLList):
            return _list(self.of(type_.of_type), nullable)
        if isinstance(type_, GraphQLInputObjectType):
            return _nullable(self._object(type_), nullable)
        if isinstance(type_, GraphQLEnumType):
            return _enum(type_, nullable)
        return _scalar(type_, nullable)

    def _object(self, type_: GraphQLInputObjectType) -> Convert:
        convert = self._objects.get(type_.name)
        if convert is None:
            fields: list[tuple[str, str, Convert, Any]] = []
            convert = self._objects[type_.name] = _input_object(type_, fields)
            for name, field in type_.fields.items():
                default: Any = _MUST_BE_GIVEN
                if not is_required_input_field(field):
                    try:  # Undefined: no default, the field is left out
                        default = coerce_default_value(field)
                    except Exception:  # an invalid default: graphql-core reports it
                        default = _MUST_BE_GIVEN
                fields.append((name, field.out_name or name, self.of(field.type), default))
        return convert


def _nullable(convert: Convert, nullable: bool) -> Convert:
    def nullable_value(value: Any) -> Any:
        return None if value is None else convert(value)

    def non_null_value(value: Any) -> Any:
        if value is None:
            raise _Slow
        return convert(value)

    return nullable_value if nullable else non_null_value


def _list(item: Convert, nullable: bool) -> Convert:
    def listed(value: Any) -> Any:
        if type(value) is list:
            return [item(x) for x in value]
        if value is None:
            if nullable:
                return None
            raise _Slow
        if isinstance(value, (str, int, float, dict)):  # not iterable for graphql-core
            return [item(value)]
        raise _Slow  # tuples, generators and other iterables: graphql-core decides

    return listed


def _input_object(
    type_: GraphQLInputObjectType, fields: list[tuple[str, str, Convert, Any]]
) -> Convert:
    names = type_.fields.keys()
    out_type = type_.out_type
    plain = out_type is GraphQLInputObjectType.out_type
    one_of = type_.is_one_of

    def input_object(value: Any) -> Any:
        if type(value) is not dict or not value.keys() <= names:
            raise _Slow
        coerced: dict[str, Any] = {}
        for name, out_name, convert, default in fields:
            given = value.get(name, Undefined)
            if given is Undefined:
                if default is _MUST_BE_GIVEN:
                    raise _Slow
                if default is not Undefined:
                    coerced[out_name] = default
            else:
                coerced[out_name] = convert(given)
        if one_of and not _one_of(value, coerced):
            raise _Slow
        return coerced if plain else out_type(coerced)

    return input_object


def _one_of(value: dict[str, Any], coerced: dict[str, Any]) -> bool:
    """Whether a oneOf input object has exactly one field given, and not null."""
    given = [x for x in value.values() if x is not Undefined]
    return len(given) == 1 and len(coerced) == 1 and next(iter(coerced.values())) is not None


def _enum(type_: GraphQLEnumType, nullable: bool) -> Convert:
    """Names looked up in a table of what the type's own coercion returns for each name."""
    by_name = {}
    for name in type_.values:
        try:
            member = type_.coerce_input_value(name)
        except Exception:  # left to graphql-core, on the slow path
            continue
        if isinstance(member, _IMMUTABLE):  # the same object graphql-core would return
            by_name[name] = member

    def enum(value: Any) -> Any:
        if type(value) is str:
            member = by_name.get(value, _Slow)
            if member is not _Slow:
                return member
        elif value is None and nullable:
            return None
        raise _Slow

    return enum


# Values a built-in scalar takes as they are (anything else goes through its own coercion).
_TAKEN_AS_IS: dict[Any, Callable[[Any], bool]] = {
    GraphQLString: lambda value: type(value) is str,
    GraphQLID: lambda value: type(value) is str,
    GraphQLBoolean: lambda value: value is True or value is False,
    GraphQLInt: lambda value: type(value) is int and _INT_MIN <= value <= _INT_MAX,
    GraphQLFloat: lambda value: type(value) is float and isfinite(value),
}


def _scalar(type_: Any, nullable: bool) -> Convert:
    general = type_.coerce_input_value
    as_is = _TAKEN_AS_IS.get(type_)

    def scalar(value: Any) -> Any:
        if as_is is not None and as_is(value):
            return value
        if value is None:
            if nullable:
                return None
            raise _Slow
        try:
            return general(value)
        except Exception:  # graphql-core reports it, on the slow path
            raise _Slow from None

    return scalar
