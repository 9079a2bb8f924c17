"""What resolvers receive as ``info``, and what they may read of the query from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from gateway.context import Context

if TYPE_CHECKING:
    from strawberry.types import Info as _Info

    Info = _Info[Context, None]
else:
    from strawberry.types import Info


def selected_names(info: Info) -> frozenset[str]:
    """Names of the fields the query selects on the result of the field being resolved.

    Fragments are looked through, aliases ignored (``r: restrictions`` counts as
    ``restrictions``); a fragment under ``@defer`` is not looked through: its fields are read
    after the first part is sent. Read through strawberry's ``info.selected_fields``.
    """
    names: set[str] = set()
    for field in info.selected_fields:
        _collect(field.selections, names)
    return frozenset(names)


def _collect(selections: Iterable[Any], names: set[str]) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            defer = selection.directives.get("defer")
            if defer is None or defer.get("if") is False:
                _collect(selection.selections, names)
