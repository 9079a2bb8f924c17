"""What a compiled operation holds: per field, how to read it and how to complete its value.

A plan is built once per (document, operation, directive values) by ``compiler`` and run by
``runner``; nothing in it depends on a request. ``describe`` prints one for people (``gateway
plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLOutputType


class Read(Enum):
    """How a field's value is read from its parent."""

    TYPENAME = "typename"  # the parent's type name, a constant
    ATTRIBUTE = "attribute"  # getattr(parent, python name)
    RESOLVER = "resolver"  # the resolver called with its converted arguments


# Per-request argument conversion: graphql-core's VariableValues in, the resolver's keyword
# arguments out.
ArgumentsFromVariables = Callable[[Any], dict[str, Any]]


@dataclass(slots=True, eq=False)
class LeafPlan:
    """A scalar or enum: ``serialize`` is chosen at plan time (identity for plain values)."""

    type_name: str
    serialize: Callable[[Any], Any]


@dataclass(slots=True, eq=False)
class ListPlan:
    """A list; ``item_nullable`` says where a null item stops propagating."""

    item: CompletionPlan
    item_nullable: bool


@dataclass(slots=True, eq=False)
class ObjectPlan:
    """An object type's selection: fields in document order (response keys merged)."""

    type_name: str
    fields: tuple[FieldPlan, ...]
    # The Python class strawberry builds for this type; other values go through is_type_of.
    origin: type | None
    is_type_of: Callable[[Any, Any], Any] | None


@dataclass(slots=True, eq=False)
class AbstractPlan:
    """An interface or union: the object plan is picked by the value's strawberry type."""

    type_name: str
    by_type: Mapping[str, ObjectPlan]
    # Python class -> GraphQL type name (strawberry's definition of the class).
    type_names: Mapping[type, str]


CompletionPlan = LeafPlan | ListPlan | ObjectPlan | AbstractPlan


@dataclass(slots=True, eq=False)
class FieldPlan:
    """One response key of a selection set."""

    key: str
    name: str
    read: Read
    completion: CompletionPlan | None  # None for __typename
    nullable: bool
    nodes: tuple[FieldNode, ...]
    parent_type: GraphQLObjectType
    field_def: GraphQLField | None
    return_type: GraphQLOutputType | None
    attribute: str = ""
    resolver: Callable[..., Any] | None = None
    takes_source: bool = False  # the resolver's ``self``: the parent, positionally
    source_keyword: str | None = None  # ``root`` / ``parent``
    info_keyword: str | None = None
    static_arguments: Mapping[str, Any] = field(default_factory=dict)
    arguments_from_variables: ArgumentsFromVariables | None = None
    strawberry_field: Any = None  # for the resolver's Info


@dataclass(slots=True, eq=False)
class OperationPlan:
    """A whole operation: its root selection, ready to run."""

    operation_type: str  # "query" | "mutation"
    root: ObjectPlan
    serial: bool  # mutations: root fields one after the other


def describe(plan: OperationPlan) -> str:
    """The plan as indented text: one line per field, with how it is read and completed.

    >>> from graphql import GraphQLObjectType, GraphQLField, GraphQLString
    >>> query = GraphQLObjectType("Query", {"a": GraphQLField(GraphQLString)})
    >>> leaf = LeafPlan("String", str)
    >>> field = FieldPlan("a", "a", Read.ATTRIBUTE, leaf, True, (), query, None, None, "a")
    >>> print(describe(OperationPlan("query", ObjectPlan("Query", (field,), None, None), False)))
    query on Query
      a: attribute .a -> String
    """
    lines = [f"{plan.operation_type} on {plan.root.type_name}"]
    _describe_object(plan.root, 1, lines)
    return "\n".join(lines)


def _describe_object(plan: ObjectPlan, depth: int, lines: list[str]) -> None:
    for field_plan in plan.fields:
        lines.append("  " * depth + _describe_field(field_plan))
        _describe_completion(field_plan.completion, depth + 1, lines)


def _describe_field(plan: FieldPlan) -> str:
    key = plan.key if plan.key == plan.name else f"{plan.key}: {plan.name}"
    if plan.read is Read.TYPENAME:
        return f"{key}: typename"
    how = f"attribute .{plan.attribute}" if plan.read is Read.ATTRIBUTE else "resolver"
    if plan.read is Read.RESOLVER:
        names = sorted(plan.static_arguments)
        if plan.arguments_from_variables is not None:
            how += " (arguments from variables)"
        elif names:
            how += f" (arguments {', '.join(names)} converted once)"
    return f"{key}: {how} -> {_type_label(plan.completion)}{'' if plan.nullable else '!'}"


def _type_label(plan: CompletionPlan | None) -> str:
    if isinstance(plan, ListPlan):
        return f"[{_type_label(plan.item)}{'' if plan.item_nullable else '!'}]"
    return plan.type_name if plan is not None else "?"


def _describe_completion(plan: CompletionPlan | None, depth: int, lines: list[str]) -> None:
    while isinstance(plan, ListPlan):
        plan = plan.item
    if isinstance(plan, ObjectPlan):
        _describe_object(plan, depth, lines)
    elif isinstance(plan, AbstractPlan):
        for name, object_plan in sorted(plan.by_type.items()):
            lines.append("  " * depth + f"... on {name}")
            _describe_object(object_plan, depth + 1, lines)
