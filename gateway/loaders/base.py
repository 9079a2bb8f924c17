"""The DataLoader base of every loader: a shared load survives the cancellation of one caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TypeVar

from aiodataloader import DataLoader

KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class Loader(DataLoader[KeyT, ValueT]):
    """A DataLoader whose cached future is shielded from each caller's cancellation.

    Two fields loading the same key await one cached future. graphql-core cancels a field's
    siblings when a non-null field fails; cancelling a task cancels the future it awaits, so
    without the shield the *other* field, elsewhere in the tree, got a ``CancelledError`` that
    escaped error handling and aborted the whole request.

    Example, in a resolver::

        records = await loader.load(("demo-loyal", False))
    """

    def load(self, key: KeyT) -> asyncio.Future[ValueT]:
        """The value for ``key``: batched and cached as usual, never cancelled by one caller."""
        return asyncio.shield(super().load(key))

    def load_many(self, keys: Iterable[KeyT]) -> asyncio.Future[list[ValueT]]:
        """The values for ``keys`` in order, under one shield (not one per key)."""
        load = super().load
        return asyncio.shield(asyncio.gather(*[load(key) for key in keys]))
