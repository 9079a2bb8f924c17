"""``tests/pristine.py``: after writes of every kind, ``restore`` gives the demo data back."""

from __future__ import annotations

import asyncpg

from tests.pristine import restore, snapshot

_DIGEST = "count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '')"


async def _fingerprint(conn: asyncpg.Connection) -> dict[str, str]:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    found = {}
    for (name,) in tables:  # names from the catalog, not from a caller
        found[name] = await conn.fetchval(f'SELECT {_DIGEST} FROM "{name}" x')  # noqa: S608
    return found


async def test_restore_undoes_inserts_updates_deletes_and_sequence_use(database_dsn: str) -> None:
    await snapshot(database_dsn)
    conn = await asyncpg.connect(database_dsn)
    try:
        before = await _fingerprint(conn)
        sequences = await conn.fetch("SELECT sequencename, last_value FROM pg_sequences")
        assert sequences, "the schema has sequences to put back"
        await conn.execute("UPDATE promotions SET name = name || ' (changed)'")
        await conn.execute("DELETE FROM customer_restriction_usage")
        await conn.execute("UPDATE offers SET offer_id = offer_id")  # bumps the catalog version
        for (name,) in await conn.fetch("SELECT sequencename FROM pg_sequences"):
            await conn.execute("SELECT nextval($1)", name)
        assert await _fingerprint(conn) != before

        await restore(database_dsn)

        assert await _fingerprint(conn) == before
        assert await conn.fetch("SELECT sequencename, last_value FROM pg_sequences") == sequences
    finally:
        await conn.close()
