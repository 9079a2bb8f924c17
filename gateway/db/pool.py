"""The asyncpg pool: its per-connection setup, and the errors that mean the database is away."""

from __future__ import annotations

import asyncpg
import orjson

from gateway.settings import Settings

Record = asyncpg.Record
# A plain connection or one borrowed from a pool.
Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy

# Errors that mean "the database is not there right now", as opposed to a bad query.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


# Raised while using a connection that the server dropped (asyncpg may also find the protocol
# mid-operation): the connection is terminated rather than pooled again.
LOST_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    *UNAVAILABLE_ERRORS,
    asyncpg.exceptions.InternalClientError,
)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb travels as bytes through orjson: no json module on the hot path.
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda value: b"\x01" + orjson.dumps(value),
        decoder=lambda data: orjson.loads(data[1:]),
        format="binary",
    )
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        encoder=lambda value: orjson.dumps(value).decode(),
        decoder=orjson.loads,
        format="text",
    )


async def create_pool(dsn: str, settings: Settings) -> asyncpg.Pool:
    """Open the connection pool with the gateway's codecs and timeouts.

    Example, in a coroutine::

        pool = await create_pool("postgresql://postgres@127.0.0.1/postgres", load_settings())
    """
    server_settings = {"application_name": "offers-gateway"}
    if settings.database_pooler == "none":
        server_settings.update(
            statement_timeout=str(settings.statement_timeout_ms),
            # Our statements are prepared once per connection (asyncpg's statement cache) and
            # their plans do not depend on the parameter values; re-planning them on each call
            # (PostgreSQL's custom plans) costs more than running them.
            plan_cache_mode="force_generic_plan",
        )
    # Behind PgBouncer in transaction mode a connection's statements may run on any server
    # session: PgBouncer refuses other startup parameters, and (before 1.21) a statement
    # prepared on one session is unknown to the next. Its own config sets the timeout.
    pool = await asyncpg.create_pool(
        dsn,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        init=_init_connection,
        reset=_keep_session,
        statement_cache_size=settings.statement_cache_entries,
        server_settings=server_settings,
    )
    assert pool is not None
    return pool


async def _keep_session(conn: Connection) -> None:
    """What a connection goes through on its way back to the pool: nothing.

    asyncpg's default reset is one more round trip per release (``pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``) for session state the gateway never leaves on pooled
    connections: no SET, LISTEN, cursors or advisory locks outside a transaction (the listener
    and migrations use their own connections). asyncpg still rolls back an open transaction
    first, and connections lost mid-operation are terminated, never pooled.
    """
