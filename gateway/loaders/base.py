"""The DataLoader base of every loader: a shared load survives the cancellation of one caller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TypeVar

from aiodataloader import DataLoader, dispatch_queue
from aiodataloader import Loader as QueuedLoad

KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")
ResultT = TypeVar("ResultT")


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

    def do_resolve_reject(self, key: KeyT, future: asyncio.Future[ValueT]) -> None:
        """Queue ``key``; the first key of a batch schedules its dispatch.

        As aiodataloader times it (the batch is dispatched two loop iterations after its first
        key, so keys queued until then join it), but through two plain callbacks: aiodataloader
        wraps the dispatch in a coroutine and a task of its own, besides the batch's task.
        """
        self._queue.append(QueuedLoad(key=key, future=future))
        if len(self._queue) == 1:
            if self.batch:
                self.loop.call_soon(self.loop.call_soon, dispatch_queue, self)
            else:
                dispatch_queue(self)


def then(
    future: asyncio.Future[ValueT], transform: Callable[[ValueT], ResultT]
) -> asyncio.Future[ResultT]:
    """A future of ``transform(value)`` once ``future`` has its value; its failure passes on.

    What an ``async def`` awaiting a load and returning a view of it gives, without a coroutine:
    an executor awaiting several fields' values gathers futures as they are, but wraps each
    coroutine in a task of its own (a deferred cart made three per promotion).

    >>> async def main():
    ...     loaded = asyncio.get_running_loop().create_future()
    ...     doubled = then(loaded, lambda n: n * 2)
    ...     loaded.set_result(21)
    ...     return await doubled
    >>> asyncio.run(main())
    42
    """
    result: asyncio.Future[ResultT] = future.get_loop().create_future()

    def settle(done: asyncio.Future[ValueT]) -> None:
        if result.done():  # the awaiting field was cancelled
            return
        if done.cancelled():
            result.cancel()
            return
        error = done.exception()
        if error is not None:
            result.set_exception(error)
            return
        try:
            result.set_result(transform(done.result()))
        except Exception as exc:
            result.set_exception(exc)

    future.add_done_callback(settle)
    return result
