"""Which fields a query selects under the field being resolved (looking through fragments)."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
)

from gateway.context import Info


def selected_field_names(info: Info) -> frozenset[str]:
    """Names of the fields selected directly on the result of the field being resolved.

    Fragments are looked through; aliases are ignored (``r: restrictions`` counts as
    ``restrictions``). A field under ``@skip``/``@include`` counts as selected: loading it for
    nothing costs one query, missing it would cost one per item.

    >>> selected_field_names(info)  # { cartPromotions { promotionId restrictions { ... } } }
    frozenset({'promotionId', 'restrictions'})
    """
    raw = info._raw_info
    names: set[str] = set()
    for node in raw.field_nodes:
        if node.selection_set is not None:
            _collect(node.selection_set.selections, raw.fragments, names, set())
    return frozenset(names)


def _collect(
    selections: Iterable[SelectionNode],
    fragments: dict[str, FragmentDefinitionNode],
    names: set[str],
    visited: set[str],
) -> None:
    for selection in selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set.selections, fragments, names, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visited:
                visited.add(name)
                _collect(fragment.selection_set.selections, fragments, names, visited)
