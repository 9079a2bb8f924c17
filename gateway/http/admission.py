"""Admission control: each worker serves at most a bounded number of requests at once.

Past the bound a request may wait a short while in a bounded queue for a slot that frees (FIFO,
``queue`` places, ``queue_wait_s`` at most); otherwise it is refused with ``503``,
``Retry-After`` and code ``OVERLOADED``, so the admitted requests keep their latency.

A refusal is paced: it is sent ``refusal_delay_s`` (± half of it, at random) after the request
arrived. Held on a timer, a refused request costs the worker nothing meanwhile, so a client that
re-sends at once after each 503 (a buggy release, a retry loop, a flood) comes back about once
per delay instead of thousands of times a second, and the worker's core goes to admitted
requests rather than to refusing. The jitter spreads the refused clients' returns: a flood's
connections, all refused at once, would otherwise come back together, every delay, and each
such wave stalls the admitted requests behind it. A balancer in front should hold its own queue
(HAProxy's ``maxconn``, docs/scaling.md), so that the gateway refuses nothing.

The bound adapts (``gateway.http.adaptive_bound``): while the event loop runs late (the core is
saturated) it is lowered, so admitted requests keep their latency under a flood, and it grows
back to ``limit`` when the loop is on time.

The refusal itself is prebuilt (``gateway.http.refusals``). Health and metrics paths are never
refused, so an instance under load is not mistaken for a dead one.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.adaptive_bound import AdaptiveBound
from gateway.http.refusals import Refusal
from gateway.observability.metrics import ADMISSION_BOUND, SHED

OVERLOADED = "OVERLOADED"
REQUEST_ID = b"x-request-id"
RETRY_AFTER_S = 1
NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})

REFUSAL = Refusal.build(
    503,
    OVERLOADED,
    "the server is at capacity; retry after the Retry-After delay",
    [(b"retry-after", str(RETRY_AFTER_S).encode())],
)


class AdmissionMiddleware:
    """Pure ASGI middleware: ``limit`` requests in flight, ``queue`` waiting, the rest refused.

    One worker runs one event loop, so plain counters are exact. A slot that frees goes to the
    longest-waiting request still in the queue, before any new arrival.

    >>> from starlette.responses import PlainTextResponse
    >>> app = AdmissionMiddleware(
    ...     PlainTextResponse("ok"), limit=64, queue=16, queue_wait_s=0.05, refusal_delay_s=2,
    ...     target_lag_s=0.01,
    ... )
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        *,
        queue: int = 0,
        queue_wait_s: float = 0.0,
        refusal_delay_s: float = 0.0,
        target_lag_s: float = 0.0,
    ) -> None:
        self.app = app
        self.bound = AdaptiveBound(limit, target_lag_s=target_lag_s, busy=self._busy)
        self.queue = queue
        self.queue_wait_s = queue_wait_s
        self.refusal_delay_s = refusal_delay_s
        self.in_flight = 0
        self.waiting: deque[asyncio.Future[bool]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        self.bound.wake()
        if self.in_flight < self.bound.current:
            self.in_flight += 1
        else:
            arrived = asyncio.get_running_loop().time()
            if not await self._wait_for_slot():
                await self._refuse(scope, send, arrived)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    def _busy(self) -> bool:
        ADMISSION_BOUND.set(self.bound.current)
        return self.in_flight > 0

    def _release(self) -> None:
        """Hand the slot to the first request still waiting, or free it (none is handed on
        while more are in flight than the bound, lowered meanwhile, allows)."""
        while self.waiting and self.in_flight <= self.bound.current:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(True)  # the slot passes on: in_flight is unchanged
                return
        self.in_flight -= 1

    async def _wait_for_slot(self) -> bool:
        """Wait in the queue up to ``queue_wait_s``: True once handed a slot, False if not."""
        if len(self.waiting) >= self.queue or self.queue_wait_s <= 0:
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self.waiting.append(waiter)
        timer = loop.call_later(self.queue_wait_s, self._expire, waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self._release()  # handed a slot while being cancelled: pass it on
            elif waiter in self.waiting:
                self.waiting.remove(waiter)
            raise
        finally:
            timer.cancel()

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        if not waiter.done():
            waiter.set_result(False)
            self.waiting.remove(waiter)

    async def _refuse(self, scope: Scope, send: Send, arrived: float) -> None:
        """503 OVERLOADED, ``refusal_delay_s`` (± half, at random) after the request arrived."""
        SHED.inc()
        delay_s = self.refusal_delay_s * random.uniform(0.5, 1.5)
        held_s = delay_s - (asyncio.get_running_loop().time() - arrived)
        if held_s > 0:
            await asyncio.sleep(held_s)
        extra = [(REQUEST_ID, v) for k, v in scope["headers"] if k == REQUEST_ID][:1]
        await REFUSAL.send(scope, send, extra)  # the request id echoed, for tracing
