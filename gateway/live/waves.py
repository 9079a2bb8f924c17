"""Rounds one notification woke together: one fresh context between them, so their loads batch.

A catalog change wakes every offers subscriber. Each round with a context of its own made one
SQL round trip for its customer, a thousand of them twenty at a time; the rounds of one wave
share one context's loaders instead, so the customers they read load in batches (one round trip
for every round that asked in the same turn of the event loop). The wave holds one round slot for
all of them: a wave is one request's worth of pool connections, however many rounds it has.

What a wave's loaders hold was read after its context was made: a round of the wave counts its
reads from then (``sequence``), so a change after that still wakes it again. The context is
dropped when the wave's last round in flight ends; rounds that start later make a new one.

>>> wave = Wave()
>>> wave.running, wave.context is None
(0, True)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(eq=False, slots=True)
class Wave:
    """The rounds in flight that one notification woke, and the context they share."""

    # The shared fresh context (made by the first round that needs it), and the hub's sequence
    # when it was made: what its loaders hold is at least that recent.
    context: Any = None
    sequence: int = 0
    running: int = 0
    # Resolved once the wave holds its round slot (None: no round of it in flight).
    _slot: asyncio.Future[None] | None = None

    async def enter(self, slots: asyncio.Semaphore) -> None:
        """Count one more round in flight; the first takes one of ``slots`` for the wave."""
        self.running += 1
        try:
            while True:
                slot = self._slot
                if slot is None:
                    slot = self._slot = asyncio.get_running_loop().create_future()
                    try:
                        await slots.acquire()
                    except BaseException:
                        self._slot = None  # another round of the wave tries in its place
                        slot.set_result(None)
                        raise
                    slot.set_result(None)
                    return
                if slot.done():
                    return
                await asyncio.shield(slot)  # then look again: the acquiring round may have failed
        except BaseException:
            self.running -= 1
            raise

    def leave(self, slots: asyncio.Semaphore) -> None:
        """One round's answer is complete; the last one in flight gives the slot back."""
        self.running -= 1
        if self.running == 0 and self._slot is not None and self._slot.done():
            self._slot = None
            self.context = None
            slots.release()

    def shared(self, fresh: Callable[[], Any], sequence: int) -> tuple[Any, int]:
        """The wave's context (made with ``fresh`` when the hub is at ``sequence``) and the
        sequence its reads count from."""
        if self.context is None:
            self.context, self.sequence = fresh(), sequence
        return self.context, self.sequence
