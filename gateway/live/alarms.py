"""Time-based wake-ups of resting subscriptions: one timer for all of them, not one each.

A cart subscription rests until its earliest ``validTill`` (or a notification). A loop timer per
subscription costs ~0.5 KB of Python objects plus libuv's own; one heap of (moment, waiter)
and one timer at its earliest entry cost a tuple each.

>>> import asyncio
>>> async def demo() -> bool:
...     alarms = Alarms()
...     waiter = asyncio.get_running_loop().create_future()
...     alarms.at(asyncio.get_running_loop().time() + 0.01, waiter)
...     await asyncio.wait_for(waiter, 1)
...     return len(alarms)
>>> asyncio.run(demo())
0
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

# Waiters resolved before their moment stay in the heap until it passes; past this many, and
# more than half the heap, they are swept out (a busy subscriber rests many times a day).
SWEEP_AT = 1_000


class Alarms:
    """Resolve each waiter at its moment (loop time) unless it is done before."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, when: float, waiter: asyncio.Future[None]) -> None:
        """Resolve ``waiter`` at loop time ``when`` (if nothing resolved it before)."""
        if len(self._heap) >= SWEEP_AT and len(self._heap) % SWEEP_AT == 0:
            self._sweep()
        heapq.heappush(self._heap, (when, next(self._order), waiter))
        if when < self._timer_at:
            self._arm(when)

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer, self._timer_at = loop.call_at(when, self._ring), when

    def _ring(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        heap = self._heap
        now = asyncio.get_running_loop().time()
        while heap and heap[0][0] <= now + 0.001:  # a loop's timers may fire a little early
            waiter = heapq.heappop(heap)[2]
            if not waiter.done():
                waiter.set_result(None)
        if heap:
            self._arm(heap[0][0])

    def _sweep(self) -> None:
        live = [entry for entry in self._heap if not entry[2].done()]
        if len(live) * 2 < len(self._heap):
            heapq.heapify(live)
            self._heap = live
