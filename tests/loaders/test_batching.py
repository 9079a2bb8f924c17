"""The loaders' batching: when a batch is dispatched, and the aiodataloader names it relies on."""

from __future__ import annotations

import asyncio
import inspect

import aiodataloader

from gateway.loaders.base import Loader


class Doubling(Loader[int, int]):
    """Records each batch it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[int]] = []

    async def batch_load_fn(self, keys: list[int]) -> list[int]:
        self.batches.append(list(keys))
        await asyncio.sleep(0)
        return [key * 2 for key in keys]


async def test_keys_queued_until_the_dispatch_join_one_batch() -> None:
    loader = Doubling()
    first = loader.load(1)
    await asyncio.sleep(0)  # one loop iteration later: still the same batch
    second = loader.load_many([2, 3])

    assert list(await asyncio.gather(first, second)) == [2, [4, 6]]
    assert loader.batches == [[1, 2, 3]]

    later = await loader.load(4)
    assert (later, loader.batches) == (8, [[1, 2, 3], [4]])


async def test_a_key_after_two_iterations_goes_in_the_next_batch() -> None:
    loader = Doubling()
    first = loader.load(1)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the batch has started: aiodataloader's timing
    second = loader.load(2)

    assert list(await asyncio.gather(first, second)) == [2, 4]
    assert loader.batches == [[1], [2]]


async def test_a_loader_without_batching_loads_each_key_alone() -> None:
    loader = Doubling()
    loader.batch = False

    assert list(await asyncio.gather(loader.load(1), loader.load(2))) == [2, 4]
    assert loader.batches == [[1], [2]]


def test_the_aiodataloader_names_used_keep_their_shape() -> None:
    # gateway.loaders.base schedules aiodataloader's dispatch itself: an upgrade that moves one
    # of these fails here.
    assert list(inspect.signature(aiodataloader.DataLoader.do_resolve_reject).parameters) == [
        "self",
        "key",
        "future",
    ]
    assert aiodataloader.Loader._fields == ("key", "future")
    assert list(inspect.signature(aiodataloader.dispatch_queue).parameters) == ["loader"]
