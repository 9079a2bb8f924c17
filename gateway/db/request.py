"""Per-request database access: every call one counted round trip, replica reads checked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from gateway.db.pool import LOST_CONNECTION_ERRORS, UNAVAILABLE_ERRORS, Connection, Record
from gateway.db.snapshot import ROW_MARK, SNAPSHOT, STANDBY, Snapshot, with_snapshot
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.metrics import POOL_IN_USE, POOL_WAITING


@dataclass
class RoundTrips:
    """How many SQL round trips a request has made."""

    count: int = 0


class RequestDb:
    """A request's access to the database: every call is one counted round trip.

    Example, in a resolver::

        rows = await ctx.db.fetch("SELECT name FROM brands WHERE brand_id = ANY($1)", ids)
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        acquire_timeout_s: float,
        *,
        read_pool: asyncpg.Pool | None = None,
        check_replica: bool = False,
    ) -> None:
        self._pool = pool
        self._read_pool = read_pool or pool
        self._acquire_timeout_s = acquire_timeout_s
        self.round_trips = RoundTrips()
        self._working: set[asyncio.Task[Any]] = set()  # tasks holding or awaiting a connection
        # Replica reads return their snapshot; what all of them show (None: none yet).
        self._check_replica = check_replica and self._read_pool is not pool
        self.replica_reads = 0
        self.replica_snapshot: Snapshot | None = None

    def use_primary(self) -> None:
        """Send reads to the primary too: a mutation must read what it (or others) just wrote."""
        self._read_pool = self._pool
        self._check_replica = False

    @property
    def checks_replica(self) -> bool:
        """Reads go to the replica and return their snapshot to be checked."""
        return self._check_replica

    def _saw_snapshot(self, text: str, standby: bool) -> None:
        self.replica_reads += 1
        snapshot = Snapshot.parse(text, standby=standby)
        seen = self.replica_snapshot
        self.replica_snapshot = snapshot if seen is None else seen.meet(snapshot)

    async def _fetch_checked(self, conn: CountingConnection, query: str, args: Any) -> list[Record]:
        rows = await conn.fetch(with_snapshot(query), *args)
        self._saw_snapshot(rows[0][SNAPSHOT], rows[0][STANDBY])
        return [] if rows[0][ROW_MARK] is None else rows

    def abandon(self) -> None:
        """Cancel the request's database work still running (its deadline has passed).

        Loader batches run in tasks of their own, which would otherwise outlive the request.
        A cancelled statement is cancelled in PostgreSQL too (asyncpg sends the cancel request)
        and its connection goes back to the pool.
        """
        current = asyncio.current_task()
        for task in list(self._working):
            if task is not current:
                task.cancel()

    @asynccontextmanager
    async def connection(self, *, read_only: bool = False) -> AsyncIterator[CountingConnection]:
        """Hold one connection (for a transaction); its calls count as round trips too.

        ``read_only`` connections come from the read replica when there is one; what is read
        through them directly is not checked against the writes the request must see (use
        ``fetch`` / ``fetchrow`` / ``fetchval``, which are).
        """
        task = asyncio.current_task()
        if task in self._working:
            task = None  # a connection inside another: the outer one tracks the task
        elif task is not None:
            self._working.add(task)
        pool = self._read_pool if read_only else self._pool
        try:
            POOL_WAITING.inc()
            try:
                # asyncio.timeout, not acquire(timeout=): that also bounds the release (a reset
                # that does nothing here) and costs a coroutine per acquire.
                async with asyncio.timeout(self._acquire_timeout_s):
                    conn = await pool.acquire()
            except TimeoutError:
                raise GatewayError(
                    ErrorCode.DATABASE_UNAVAILABLE, "database: no connection free in time, retry"
                ) from None
            except UNAVAILABLE_ERRORS:
                raise GatewayError(
                    ErrorCode.DATABASE_UNAVAILABLE, "database: unavailable, retry shortly"
                ) from None
            finally:
                POOL_WAITING.dec()
            POOL_IN_USE.inc()
            try:
                yield CountingConnection(conn, self.round_trips)
            except asyncpg.exceptions.QueryCanceledError:
                raise GatewayError(
                    ErrorCode.TIMEOUT, "database: the query took too long and was cancelled"
                ) from None
            except LOST_CONNECTION_ERRORS:
                # The connection's state is unknown (lost mid-operation): never pool it again.
                # (When asyncpg noticed the loss itself, the proxy is already detached.)
                with contextlib.suppress(asyncpg.exceptions.InterfaceError):
                    conn.terminate()
                raise GatewayError(
                    ErrorCode.DATABASE_UNAVAILABLE, "database: connection lost, retry shortly"
                ) from None
            finally:
                POOL_IN_USE.dec()
                # asyncpg's reset may find the connection broken and terminate it; the pool opens a
                # new one when needed. What the request did before is already settled.
                with contextlib.suppress(*LOST_CONNECTION_ERRORS):
                    await pool.release(conn)
        finally:
            if task is not None:
                self._working.discard(task)

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        """Rows of ``query`` (one round trip; the replica unless a mutation is running)."""
        async with self.connection(read_only=True) as conn:
            if self._check_replica:
                return await self._fetch_checked(conn, query, args)
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        """The first row of ``query``, or None (one round trip; as ``fetch``)."""
        async with self.connection(read_only=True) as conn:
            if self._check_replica:
                rows = await self._fetch_checked(conn, query, args)
                return rows[0] if rows else None
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first value of the first row of ``query`` (one round trip; as ``fetch``)."""
        async with self.connection(read_only=True) as conn:
            if self._check_replica:
                rows = await self._fetch_checked(conn, query, args)
                return rows[0][0] if rows else None
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run ``query``, return its status (one round trip)."""
        async with self.connection() as conn:
            return await conn.execute(query, *args)


class CountingConnection:
    """An acquired connection whose queries count as round trips."""

    def __init__(self, conn: Connection, round_trips: RoundTrips) -> None:
        self.raw = conn
        self._round_trips = round_trips

    def transaction(self, **kwargs: Any) -> Any:
        """``conn.transaction()``; BEGIN and COMMIT are not counted as separate trips."""
        return self.raw.transaction(**kwargs)

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        """Rows of ``query``."""
        self._round_trips.count += 1
        return await self.raw.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        """The first row of ``query``, or None."""
        self._round_trips.count += 1
        return await self.raw.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first value of the first row of ``query``."""
        self._round_trips.count += 1
        return await self.raw.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run ``query``, return its status."""
        self._round_trips.count += 1
        return await self.raw.execute(query, *args)

    async def executemany(self, query: str, args: Sequence[Sequence[Any]]) -> None:
        """Run ``query`` once per argument tuple, pipelined."""
        self._round_trips.count += 1
        await self.raw.executemany(query, args)
