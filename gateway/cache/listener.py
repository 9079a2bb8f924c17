"""The change listener: one dedicated connection per worker doing ``LISTEN gateway_changes``.

Triggers (``sql/040_change_notifications.sql``, ``041``) send ``<xid>/c:<customer>``,
``<xid>/p:<promotion>`` or ``<xid>/all`` when data changes, ``<xid>`` being the writing
transaction; NOTIFY is delivered at commit, within milliseconds. The listener feeds the response
cache's generations and the replica's freshness. While the connection is down the cache is
disabled and replica answers are not used; on every (re)connect the cache is cleared, because
notifications sent meanwhile are lost, and the replica must catch up with every transaction the
primary had started by then. A keep-alive query notices a connection that died silently.

The listener always connects to the primary itself (``DATABASE_DIRECT_URL``, by default
``DATABASE_URL``): LISTEN needs a session, which a pooler in transaction mode does not keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from gateway.cache.response_cache import ResponseCache
from gateway.db import UNAVAILABLE_ERRORS
from gateway.db.freshness import ReplicaFreshness
from gateway.db.replica_reads import PRIMARY_SNAPSHOT
from gateway.db.snapshot import Snapshot

# What a lost or refused connection raises.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, asyncpg.PostgresError)

logger = logging.getLogger("gateway")

CHANNEL = "gateway_changes"
APPLICATION_NAME = "offers-gateway-listener"


def parse_payload(payload: str) -> tuple[str, int | None]:
    """``"725/c:demo-b2c"`` -> ``("c:demo-b2c", 725)``; a payload without an id -> ``(p, None)``."""
    writer, slash, change = payload.partition("/")
    if slash and writer.isdigit():
        return change, int(writer)
    return payload, None


class ChangeListener:
    """Keeps a LISTEN connection open, reconnecting with backoff, feeding ``cache``/``freshness``.

    Example, in the app's lifespan::

        listener = ChangeListener(dsn, cache, freshness=None)
        listener.start()  # in the app's lifespan
        await listener.stop()
    """

    def __init__(
        self,
        dsn: str,
        cache: ResponseCache | None,
        *,
        freshness: ReplicaFreshness | None = None,
        keepalive_s: float = 2.0,
        min_backoff_s: float = 0.05,
        max_backoff_s: float = 5.0,
        on_change: Callable[[str | None], None] | None = None,
    ) -> None:
        self.dsn = dsn
        self.cache = cache
        self.freshness = freshness
        self.keepalive_s = keepalive_s
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        # Told every change, and None on each (re)connect: changes meanwhile were not heard.
        self.on_change = on_change
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
                if self.cache is not None:
                    self.cache.disconnected()
                if self.freshness is not None:
                    self.freshness.disconnected()
                if not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(backoff)

    async def _listen(self, conn: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        if self.freshness is not None:
            self.freshness.listening()  # what arrives from now on is kept
        await conn.add_listener(CHANNEL, self._on_notification)
        if self.cache is not None:
            self.cache.connected()
        if self.freshness is not None:
            # Listening first, then asking: every later commit is notified, every earlier one
            # is visible in the primary's snapshot.
            text = await conn.fetchval(PRIMARY_SNAPSHOT, timeout=self.keepalive_s)
            self.freshness.connected(baseline=Snapshot.parse(str(text)))
        self.connected.set()
        if self.on_change is not None:
            self.on_change(None)
        logger.info("change listener: listening; response cache and replica reads on")
        while not lost.is_set() and not conn.is_closed():
            try:
                await asyncio.wait_for(lost.wait(), timeout=self.keepalive_s)
            except TimeoutError:
                await conn.execute("SELECT 1", timeout=self.keepalive_s)
        logger.warning("change listener: connection closed; response cache off")

    def _on_notification(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        change, xid = parse_payload(str(payload))
        if self.cache is not None:
            self.cache.generations.apply(change)
        if self.freshness is not None:
            self.freshness.apply(change, xid)
        if self.on_change is not None:
            self.on_change(change)
