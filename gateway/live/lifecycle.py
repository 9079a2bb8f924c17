"""What runs beside the subscriptions: the revoked-key check, and their end at SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from types import FrameType

import asyncpg

from gateway.auth.principal import DEVELOPMENT
from gateway.db import UNAVAILABLE_ERRORS
from gateway.errors import ErrorCode, GatewayError
from gateway.live.hub import LiveHub

logger = logging.getLogger("gateway")

# A revoked key's subscriptions end within this many seconds (plus one query).
REVOCATION_CHECK_S = 5.0
# At SIGTERM, how long subscriptions get to send their `complete` before the server stops.
SHUTDOWN_WAIT_S = 2.0

_CHECK_ERRORS: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, asyncpg.PostgresError)

ACTIVE_KEYS = "SELECT key_id FROM api_keys WHERE key_id = ANY($1::text[]) AND revoked_at IS NULL"


class RevocationWatch:
    """Every few seconds, end the subscriptions of keys revoked since they subscribed.

    One indexed query per check for every key with a subscription open on this worker (the key
    verifier's cache would take up to its TTL longer).

    Example (in the lifespan, with the worker's hub and pool)::

        watch = RevocationWatch(hub, pool)
        watch.start()
        await watch.stop()
    """

    def __init__(self, hub: LiveHub, pool: asyncpg.Pool, interval_s: float = REVOCATION_CHECK_S):
        self.hub = hub
        self.pool = pool
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Check in the background until ``stop``."""
        self._task = asyncio.create_task(self._run(), name="gateway-revocation-watch")

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self) -> int:
        """End the subscriptions of revoked keys now; how many ended."""
        keys = [k for k in self.hub.key_ids() if k != DEVELOPMENT.key_id]
        if not keys:
            return 0
        async with self.pool.acquire(timeout=self.interval_s) as conn:
            rows = await conn.fetch(ACTIVE_KEYS, keys, timeout=self.interval_s)
        revoked = set(keys) - {row["key_id"] for row in rows}
        if not revoked:
            return 0
        error = GatewayError(ErrorCode.UNAUTHENTICATED, "Authorization: this API key was revoked")
        return self.hub.end(revoked, error)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.check()
            except _CHECK_ERRORS as exc:
                logger.warning("revocation watch: cannot check keys now (%s)", exc)


def end_subscriptions_at_sigterm(hub: LiveHub, wait_s: float = SHUTDOWN_WAIT_S) -> None:
    """At SIGTERM, complete every subscription, then run the SIGTERM handler in place.

    Install it in the serving worker's lifespan before the drain (which then delays it): a
    WebSocket subscriber gets `complete`, an SSE stream its `complete` event and its end, so
    the server's own shutdown does not wait on open streams.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[None]] = set()

    async def finish(signum: int, frame: FrameType | None) -> None:
        hub.close()
        await hub.wait_empty(wait_s)
        await asyncio.sleep(0.05)  # the transports send what the ended rounds yielded
        previous(signum, frame)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if hub.closing:
            previous(signum, frame)
            return
        logger.info("SIGTERM: completing %d subscriptions", len(hub))

        def start() -> None:
            task = loop.create_task(finish(signum, None))
            running.add(task)
            task.add_done_callback(running.discard)

        loop.call_soon_threadsafe(start)

    signal.signal(signal.SIGTERM, on_sigterm)
