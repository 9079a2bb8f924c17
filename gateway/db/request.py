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

PooledConnection = asyncpg.pool.PoolConnectionProxy


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

    def _track(self) -> asyncio.Task[Any] | None:
        """Note the current task as holding a connection (None: an outer call tracks it)."""
        task = asyncio.current_task()
        if task is None or task in self._working:
            return None
        self._working.add(task)
        return task

    async def _acquire(self, pool: asyncpg.Pool) -> PooledConnection:
        POOL_WAITING.value += 1
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
            POOL_WAITING.value -= 1
        POOL_IN_USE.value += 1
        return conn

    async def _release(self, pool: asyncpg.Pool, conn: PooledConnection) -> None:
        POOL_IN_USE.value -= 1
        # asyncpg's reset may find the connection broken and terminate it; the pool opens a
        # new one when needed. What the request did before is already settled.
        with contextlib.suppress(*LOST_CONNECTION_ERRORS):
            await pool.release(conn)

    @asynccontextmanager
    async def connection(self, *, read_only: bool = False) -> AsyncIterator[CountingConnection]:
        """Hold one connection (for a transaction); its calls count as round trips too.

        ``read_only`` connections come from the read replica when there is one; what is read
        through them directly is not checked against the writes the request must see (use
        ``fetch`` / ``fetchrow`` / ``fetchval``, which are).
        """
        task = self._track()
        pool = self._read_pool if read_only else self._pool
        try:
            conn = await self._acquire(pool)
            try:
                yield CountingConnection(conn, self.round_trips)
            except _QUERY_FAILURES as exc:
                raise _query_failure(conn, exc) from None
            finally:
                await self._release(pool, conn)
        finally:
            if task is not None:
                self._working.discard(task)

    async def _read(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        """``conn.<method>(query, *args)`` on a read connection: ``connection()`` unrolled.

        Reads are most of a request's statements: a generator-based context manager and a
        wrapper object per statement cost more than the rest of this bookkeeping.
        """
        task = self._track()
        pool = self._read_pool
        try:
            conn = await self._acquire(pool)
            try:
                self.round_trips.count += 1
                return await getattr(conn, method)(query, *args)
            except _QUERY_FAILURES as exc:
                raise _query_failure(conn, exc) from None
            finally:
                await self._release(pool, conn)
        finally:
            if task is not None:
                self._working.discard(task)

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        """Rows of ``query`` (one round trip; the replica unless a mutation is running)."""
        if self._check_replica:
            async with self.connection(read_only=True) as conn:
                return await self._fetch_checked(conn, query, args)
        rows: list[Record] = await self._read("fetch", query, args)
        return rows

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        """The first row of ``query``, or None (one round trip; as ``fetch``)."""
        if self._check_replica:
            async with self.connection(read_only=True) as conn:
                rows = await self._fetch_checked(conn, query, args)
                return rows[0] if rows else None
        row: Record | None = await self._read("fetchrow", query, args)
        return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first value of the first row of ``query`` (one round trip; as ``fetch``)."""
        if self._check_replica:
            async with self.connection(read_only=True) as conn:
                rows = await self._fetch_checked(conn, query, args)
                return rows[0][0] if rows else None
        return await self._read("fetchval", query, args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run ``query``, return its status (one round trip)."""
        async with self.connection() as conn:
            return await conn.execute(query, *args)


# What a statement may fail with that ``_query_failure`` codes (others are the query's own).
_QUERY_FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.QueryCanceledError,
    *LOST_CONNECTION_ERRORS,
)


def _query_failure(conn: Connection, exc: BaseException) -> GatewayError:
    """The coded error for a statement that failed with ``exc`` on ``conn``."""
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
        return GatewayError(
            ErrorCode.TIMEOUT, "database: the query took too long and was cancelled"
        )
    # The connection's state is unknown (lost mid-operation): never pool it again.
    # (When asyncpg noticed the loss itself, the proxy is already detached.)
    with contextlib.suppress(asyncpg.exceptions.InterfaceError):
        conn.terminate()
    return GatewayError(ErrorCode.DATABASE_UNAVAILABLE, "database: connection lost, retry shortly")


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
