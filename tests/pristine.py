"""Put a served database back as it was, so several tests can share one ``gateway serve``.

Starting ``gateway serve`` costs seconds (imports, migrations check, pool); a module whose tests
need the same configuration serves one database for all of them and restores its rows before
each test. ``snapshot`` copies every table of ``public`` (and each sequence's position) into the
``pristine`` schema, which the gateway never reads; ``restore`` truncates the tables and copies
the rows back in one transaction, with triggers and foreign keys off while it copies. The
database is then what the template made it, row for row (the offer catalog's version too, so a
catalog the server compiled for it is still right).

Silent on purpose: no change notification, so a late one cannot wake the next test's
subscriptions. Share a server this way only without a response cache (development's default).

Example, in a module-scoped fixture then before each test::

    await snapshot(dsn)
    ...
    await restore(dsn)
"""

from __future__ import annotations

import asyncpg

SCHEMA = "pristine"

_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY c.relname"""
_SEQUENCES = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
_COLUMNS = """
SELECT table_name, string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
  FROM information_schema.columns
 WHERE table_schema = 'public' AND is_generated = 'NEVER'
 GROUP BY table_name"""


async def snapshot(dsn: str) -> None:
    """Copy every table of ``public`` and each sequence's position into the ``pristine`` schema."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
            for (table,) in await conn.fetch(_TABLES):
                await conn.execute(f'CREATE TABLE {SCHEMA}."{table}" AS TABLE public."{table}"')
            await conn.execute(f"CREATE TABLE {SCHEMA}._sequences AS {_SEQUENCES}")
    finally:
        await conn.close()


async def restore(dsn: str) -> None:
    """Put back the rows and sequence positions ``snapshot`` saved, notifying no one."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = [row[0] for row in await conn.fetch(_TABLES)]
        columns = {str(r[0]): str(r[1]) for r in await conn.fetch(_COLUMNS)}
        sequences = await conn.fetch(f"SELECT * FROM {SCHEMA}._sequences")  # noqa: S608
        async with conn.transaction():
            # Triggers (change notifications, foreign keys) off while rows go back in any order.
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("TRUNCATE " + ", ".join(f'public."{t}"' for t in tables))
            for table in tables:
                names = columns[table]
                await conn.execute(
                    f'INSERT INTO public."{table}" ({names}) OVERRIDING SYSTEM VALUE '  # noqa: S608
                    f'SELECT {names} FROM {SCHEMA}."{table}"'
                )
            for name, last_value in sequences:
                # A sequence never used has no last value: the next one is its start again.
                await conn.execute(
                    "SELECT setval($1, coalesce($2, (SELECT start_value FROM pg_sequences "
                    "WHERE schemaname = 'public' AND sequencename = $3)), $2 IS NOT NULL)",
                    f'public."{name}"',
                    last_value,
                    name,
                )
    finally:
        await conn.close()
