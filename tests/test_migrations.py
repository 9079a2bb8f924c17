"""Migrations: applied once, in order, atomically, and safely from several processes at once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from gateway import migrations

ROOT = Path(__file__).resolve().parent.parent


async def _applied(dsn: str) -> list[tuple[int, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    return [(row["version"], row["name"]) for row in rows]


async def test_each_migration_is_applied_once(empty_database_dsn: str) -> None:
    conn = await asyncpg.connect(empty_database_dsn)
    try:
        first = await migrations.migrate(conn)
        second = await migrations.migrate(conn)
        still_pending = await migrations.pending(conn)
    finally:
        await conn.close()

    expected = [m.name for m in migrations.discover()]
    assert first == expected
    assert second == []
    assert still_pending == []
    assert [name for _, name in await _applied(empty_database_dsn)] == expected


async def _advisory_waiters(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
        )
    )


async def test_two_processes_migrating_together_apply_each_migration_once(
    empty_database_dsn: str,
) -> None:
    # Force the overlap: hold the migration lock, as a migration in progress does, while both
    # processes start; both must queue on it, then exactly one applies everything.
    holder = await asyncpg.connect(empty_database_dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", migrations._ADVISORY_LOCK_KEY)
        env = {**os.environ, "DATABASE_URL": empty_database_dsn}
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "gateway",
                "migrate",
                env=env,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = asyncio.gather(*(p.communicate() for p in processes))
        for _ in range(600):
            if await _advisory_waiters(holder) == 2:
                break
            await asyncio.sleep(0.05)
        queued = await _advisory_waiters(holder)
        applied_while_held = await holder.fetchval(
            "SELECT to_regclass('schema_migrations') IS NOT NULL"
        )
        await holder.execute("SELECT pg_advisory_unlock($1)", migrations._ADVISORY_LOCK_KEY)
        results = await asyncio.wait_for(outputs, 60)
    finally:
        await holder.close()

    assert queued == 2, "both processes must wait for the lock"
    assert applied_while_held is False
    assert [p.returncode for p in processes] == [0, 0], results
    logs = [out.decode() for out, _ in results]
    assert sorted(log.count("applied migration") for log in logs) == [
        0,
        len(migrations.discover()),
    ], logs
    expected = [(m.version, m.name) for m in migrations.discover()]
    assert await _applied(empty_database_dsn) == expected


async def test_a_failing_migration_changes_nothing(empty_database_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    conn = await asyncpg.connect(empty_database_dsn)
    try:
        with pytest.raises(asyncpg.exceptions.UndefinedFunctionError):
            await migrations.migrate(conn, migrations.discover(tmp_path))
        half_exists = await conn.fetchval("SELECT to_regclass('half') IS NOT NULL")
        pending = await migrations.pending(conn, migrations.discover(tmp_path))
    finally:
        await conn.close()

    assert half_exists is False
    assert pending == ["002_bad"]
    assert await _applied(empty_database_dsn) == [(1, "001_good")]


def test_badly_named_or_duplicate_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("")
    (tmp_path / "001_b.sql").write_text("")
    with pytest.raises(ValueError, match="used twice"):
        migrations.discover(tmp_path)
    (tmp_path / "001_b.sql").unlink()
    (tmp_path / "2_c.sql").write_text("")
    with pytest.raises(ValueError, match="NNN_lower_case_name"):
        migrations.discover(tmp_path)


async def test_a_reworded_comment_is_no_change_but_an_edited_statement_is_reported(
    empty_database_dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migration = tmp_path / "001_table.sql"
    migration.write_text("-- A table.\nCREATE TABLE t (id int);\n")
    conn = await asyncpg.connect(empty_database_dsn)
    try:
        await migrations.migrate(conn, migrations.discover(tmp_path))
        migration.write_text("-- A table, said in other words.\nCREATE TABLE t (id int);\n")
        with caplog.at_level("WARNING", logger="gateway"):
            await migrations.migrate(conn, migrations.discover(tmp_path))
        reworded_warnings = [r.getMessage() for r in caplog.records]
        caplog.clear()

        # A database migrated when the whole file was hashed keeps working without a warning.
        [current] = migrations.discover(tmp_path)
        await conn.execute("UPDATE schema_migrations SET checksum = $1", current.file_checksum)
        with caplog.at_level("WARNING", logger="gateway"):
            await migrations.migrate(conn, migrations.discover(tmp_path))
        old_scheme_warnings = [r.getMessage() for r in caplog.records]
        caplog.clear()

        migration.write_text("-- A table, said in other words.\nCREATE TABLE t (id bigint);\n")
        with caplog.at_level("WARNING", logger="gateway"):
            await migrations.migrate(conn, migrations.discover(tmp_path))
        edited_warnings = [r.getMessage() for r in caplog.records]
    finally:
        await conn.close()

    assert reworded_warnings == []
    assert old_scheme_warnings == []
    assert edited_warnings == ["migration 001_table changed after it was applied"]
