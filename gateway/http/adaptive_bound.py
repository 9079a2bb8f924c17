"""The in-flight bound, lowered while the worker's event loop runs late.

A worker whose core is saturated runs its event loop late: every callback waits for all those
ahead of it, so a request's time in flight grows with the requests in flight, and under a flood
the admitted requests' latency grows with the bound rather than with their own work. The loop's
lateness is the signal (Fastify's under-pressure reads the same one): while it is above the
target the bound shrinks (x0.9 per tick, to a floor), and while it is under half the target it
grows back by one per tick, to the configured bound. A request waiting on the database does not
make the loop late, so a slow database never lowers the bound.

The lateness is read by a timer that runs only while requests are in flight or the bound is
lowered: an idle worker wakes for nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

TICK_S = 0.025
# The lateness is smoothed over about four ticks, so one long callback does not shrink the bound.
SMOOTHING = 0.25


class AdaptiveBound:
    """``current``: how many requests may be in flight now, between ``floor`` and ``ceiling``.

    ``busy()`` says whether requests are in flight (the timer stops when nothing is, and the
    bound is back at its ceiling); ``wake()`` restarts the timer on the next request.

    >>> bound = AdaptiveBound(64, target_lag_s=0.01, busy=lambda: False)
    >>> bound.current, bound.floor
    (64, 8)
    >>> bound.after_tick(lag_s=0.05); bound.current  # late: lowered
    57
    >>> for _ in range(10): bound.after_tick(lag_s=0.0)
    >>> bound.current  # on time: back up, by one per tick
    64
    """

    def __init__(self, ceiling: int, *, target_lag_s: float, busy: Callable[[], bool]) -> None:
        self.ceiling = ceiling
        self.floor = min(ceiling, max(4, ceiling // 8))
        self.current = ceiling
        self.target_lag_s = target_lag_s
        self.busy = busy
        self.lag_s = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._due = 0.0

    def wake(self) -> None:
        """Start reading the loop's lateness, unless already reading it (or turned off)."""
        if self._timer is None and self.target_lag_s > 0 and self.floor < self.ceiling:
            loop = asyncio.get_running_loop()
            self._due = loop.time() + TICK_S
            self._timer = loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.after_tick(lag_s=max(0.0, now - self._due))
        if self.busy() or self.current < self.ceiling:
            self._due = now + TICK_S
            self._timer = loop.call_at(self._due, self._tick)
        else:
            self._timer = None
            self.lag_s = 0.0

    def after_tick(self, *, lag_s: float) -> None:
        """Fold one reading of the loop's lateness in, and move the bound."""
        self.lag_s += SMOOTHING * (lag_s - self.lag_s)
        if self.lag_s > self.target_lag_s:
            self.current = max(self.floor, int(self.current * 0.9))
        elif self.lag_s < self.target_lag_s / 2 and self.current < self.ceiling:
            self.current += 1
