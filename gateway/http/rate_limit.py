"""Per-API-key rate limits: a token bucket per key, in each worker process.

A key may make ``rate`` requests per second on average and ``burst`` at once; beyond that its
requests are answered ``429`` with ``Retry-After`` (code ``RATE_LIMITED``) until the bucket
refills. Buckets live in the worker: behind a balancer with N workers in all, a key may make up
to N times the rate. Keyed by the verified key id, so a forged header cannot drain another
caller's bucket.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.refusals import Refusal
from gateway.http.request_state import request_state
from gateway.observability.metrics import RATE_LIMITED as RATE_LIMITED_REQUESTS

RATE_LIMITED = "RATE_LIMITED"
RATE_LIMIT_REFUSAL = Refusal.build(
    429, RATE_LIMITED, "this API key is over its rate limit; retry after the Retry-After delay"
)


class TokenBuckets:
    """One token bucket per key: ``take(key)`` spends a token, or says how long to wait.

    >>> buckets = TokenBuckets(rate=10, burst=20)
    >>> buckets.take("k1")
    0.0
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        # key -> (tokens left, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when ``key`` may go ahead (a token is spent), else the seconds until a token is due."""
        now = self.clock()
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


def retry_after(wait_s: float) -> str:
    """A ``Retry-After`` value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(wait_s)))


class RateLimit:
    """Refuses a request whose API key has no token left (429, ``Retry-After``), else hands on.

    Runs after authentication: the bucket is the verified key's.

    Example::

        app = RateLimit(app, TokenBuckets(rate=10, burst=20))
    """

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait_s = self.buckets.take(request_state(scope).principal.key_id)
        if wait_s:
            RATE_LIMITED_REQUESTS.inc()
            await RATE_LIMIT_REFUSAL.send(
                scope, send, [(b"retry-after", retry_after(wait_s).encode())]
            )
            return
        await self.app(scope, receive, send)
