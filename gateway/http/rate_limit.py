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

from gateway.http.refusals import Refusal

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
