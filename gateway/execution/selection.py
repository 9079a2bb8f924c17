"""Which fields a query selects under the field being resolved (looking through fragments)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionNode,
    VariableNode,
)

from gateway.context import Info


def selected_field_names(info: Info) -> frozenset[str]:
    """Names of the fields selected directly on the result of the field being resolved.

    Fragments are looked through; aliases are ignored (``r: restrictions`` counts as
    ``restrictions``). A field under ``@skip``/``@include`` counts as selected: loading it for
    nothing costs one query, missing it would cost one per item. A fragment under an active
    ``@defer`` is not looked through: its fields are read after the initial part is sent (their
    resolvers, one per item, still batch through the request's loaders).

    >>> selected_field_names(info)  # { cartPromotions { promotionId restrictions { ... } } }
    frozenset({'promotionId', 'restrictions'})
    """
    raw = info._raw_info
    names: set[str] = set()
    for node in raw.field_nodes:
        if node.selection_set is not None:
            _collect(node.selection_set.selections, raw, names, set())
    return frozenset(names)


def _collect(
    selections: Iterable[SelectionNode],
    raw: GraphQLResolveInfo[Any],
    names: set[str],
    visited: set[str],
) -> None:
    for selection in selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            if not _deferred(selection, raw):
                _collect(selection.selection_set.selections, raw, names, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = raw.fragments.get(name)
            if fragment is not None and name not in visited and not _deferred(selection, raw):
                visited.add(name)
                _collect(fragment.selection_set.selections, raw, names, visited)


def _deferred(
    fragment: InlineFragmentNode | FragmentSpreadNode, raw: GraphQLResolveInfo[Any]
) -> bool:
    """Whether ``fragment`` carries ``@defer`` whose ``if`` is not false (graphql-core's rule)."""
    for directive in fragment.directives or ():
        if directive.name.value != "defer":
            continue
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if isinstance(condition, VariableNode):
            # strawberry hands resolvers the coerced variables as a plain dict
            variables: dict[str, object] = raw.variable_values  # type: ignore[assignment]
            return variables.get(condition.name.value) is not False
        return not isinstance(condition, BooleanValueNode) or condition.value
    return False
