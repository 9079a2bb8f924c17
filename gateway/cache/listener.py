"""The change listener: one dedicated connection per worker doing ``LISTEN gateway_changes``.

Triggers (``sql/040_change_notifications.sql``) send ``c:<customer>``, ``p:<promotion>`` or
``all`` when data changes; NOTIFY is delivered at commit, within milliseconds. While the
connection is down the cache is disabled; on every (re)connect it is cleared, because
notifications sent meanwhile are lost. A keep-alive query notices a connection that died silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from gateway.cache.response_cache import ResponseCache
from gateway.db import UNAVAILABLE_ERRORS

# What a lost or refused connection raises.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, asyncpg.PostgresError)

logger = logging.getLogger("gateway")

CHANNEL = "gateway_changes"
APPLICATION_NAME = "offers-gateway-listener"


class ChangeListener:
    """Keeps a LISTEN connection open, reconnecting with backoff, feeding ``cache``.

    >>> listener = ChangeListener(dsn, cache)
    >>> listener.start()  # in the app's lifespan
    >>> await listener.stop()
    """

    def __init__(
        self,
        dsn: str,
        cache: ResponseCache,
        *,
        keepalive_s: float = 2.0,
        min_backoff_s: float = 0.05,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.cache = cache
        self.keepalive_s = keepalive_s
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background until ``stop``."""
        self._task = asyncio.create_task(self._run(), name="gateway-change-listener")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self.min_backoff_s
        while True:
            try:
                conn = await asyncpg.connect(
                    self.dsn, timeout=5, server_settings={"application_name": APPLICATION_NAME}
                )
            except _CONNECTION_ERRORS as exc:
                logger.warning("change listener: cannot connect (%s), retry in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            try:
                await self._listen(conn)
                backoff = self.min_backoff_s
            except _CONNECTION_ERRORS as exc:
                logger.warning("change listener: connection lost (%s); response cache off", exc)
            finally:
                self.connected.clear()
                self.cache.disconnected()
                if not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(backoff)

    async def _listen(self, conn: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, self._on_notification)
        self.cache.connected()
        self.connected.set()
        logger.info("change listener: listening; response cache on")
        while not lost.is_set() and not conn.is_closed():
            try:
                await asyncio.wait_for(lost.wait(), timeout=self.keepalive_s)
            except TimeoutError:
                await conn.execute("SELECT 1", timeout=self.keepalive_s)
        logger.warning("change listener: connection closed; response cache off")

    def _on_notification(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        self.cache.generations.apply(str(payload))
