"""Memoize a function of a parsed document by the document's identity.

graphql-core's AST nodes hash by value, walking the whole tree: an ``lru_cache`` keyed by a
document pays that walk on every call (about a third of a millisecond for a cart query, twice
per request). The parse cache hands out one document object per query text, so its identity is
as good a key and costs nothing to hash.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

DocumentT = TypeVar("DocumentT")
ResultT = TypeVar("ResultT")


class IdentityMemo(Generic[DocumentT, ResultT]):
    """``function(document, *key, **given)`` remembered for the last ``maxsize`` (document, key)
    pairs. ``given`` is passed along but is not part of the key: it must be determined by the
    document (an operation's fragment definitions, say).

    >>> from graphql import parse
    >>> from gateway.operation.router_scope import root_field_names
    >>> root_fields = IdentityMemo(root_field_names, maxsize=1024)
    >>> document = parse("{ cartPromotions(customerId: 'c1') { id } }".replace("'", '"'))
    >>> root_fields(document) is root_fields(document)
    True
    """

    def __init__(self, function: Callable[..., ResultT], *, maxsize: int) -> None:
        self._function = function
        self._maxsize = maxsize
        # Each entry keeps its document alive, so the id in its key cannot be reused meanwhile.
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[DocumentT, ResultT]] = OrderedDict()

    def __call__(self, document: DocumentT, *key: Hashable, **given: Any) -> ResultT:
        """The remembered result for ``document`` and ``key``, computed on the first call."""
        entry_key = (id(document), *key)
        entry = self._entries.get(entry_key)
        if entry is not None and entry[0] is document:
            self._entries.move_to_end(entry_key)
            return entry[1]
        result = self._function(document, *key, **given)
        self._entries[entry_key] = (document, result)
        if len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)
        return result
