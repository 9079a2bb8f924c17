"""Numbered SQL migrations (``sql/NNN_name.sql``), each applied once, in order, under a lock.

They ship inside the package (``gateway.resources.sql_dir``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from gateway.db import Connection
from gateway.errors import CommandError
from gateway.observability.progress import Progress, progress
from gateway.resources import sql_dir as packaged_sql_dir

logger = logging.getLogger("gateway")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every replica of the gateway.
_ADVISORY_LOCK_KEY = 0x6F66_6665_7273  # "offers"


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the statements, to notice a migration edited after it was applied.

        Lines holding only a ``--`` comment are left out: rewording a comment changes nothing.
        """
        statements = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return hashlib.sha256(statements.encode()).hexdigest()

    @property
    def file_checksum(self) -> str:
        """SHA-256 of the whole file: what databases migrated before comments were left out hold."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationsNotFound(CommandError):
    """The migrations folder is missing or empty: the installation is incomplete."""


def discover(sql_dir: Traversable | None = None) -> list[Migration]:
    """The migrations in ``sql_dir`` (default: the package's), ordered by number.

    A badly named file or a number used twice is a ValueError; a missing or empty folder is
    ``MigrationsNotFound``.
    """
    sql_dir = packaged_sql_dir() if sql_dir is None else sql_dir
    if not sql_dir.is_dir():
        raise MigrationsNotFound(
            f"the migrations folder {sql_dir} is missing, so this installation is incomplete",
            fix="reinstall the gateway (a wheel built from the repository carries sql/ inside)",
        )
    found: dict[int, Migration] = {}
    files = sorted((p for p in sql_dir.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    if not files:
        raise MigrationsNotFound(
            f"no migrations (NNN_name.sql files) in {sql_dir}",
            fix="reinstall the gateway (a wheel built from the repository carries sql/ inside)",
        )
    for path in files:
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNN_lower_case_name.sql")
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"{path}: migration number {version:03d} is used twice")
        found[version] = Migration(version, path.name.removesuffix(".sql"), path.read_text())
    return [found[v] for v in sorted(found)]


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(
    conn: Connection,
    migrations: list[Migration] | None = None,
    *,
    shown: Progress | None = None,
) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date).

    Safe to run from several processes at once: they queue on an advisory lock. ``shown``
    hears of each migration as it starts and ends.

    Example, in a coroutine::

        await migrate(conn)
        # -> ['001_core']
    """
    migrations = discover() if migrations is None else migrations
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        done = {
            row["version"]: row["checksum"]
            for row in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] not in (migration.checksum, migration.file_checksum):
                    logger.warning("migration %s changed after it was applied", migration.name)
                continue
            if shown is not None:
                shown.note(migration.name)
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            logger.info("applied migration %s", migration.name)
            applied_now.append(migration.name)
            if shown is not None:
                shown.advance()
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    return applied_now


async def pending(conn: Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Names of the migrations not yet applied to this database."""
    migrations = discover() if migrations is None else migrations
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    done: set[int] = set()
    if exists:
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    return [m.name for m in migrations if m.version not in done]


async def migrate_showing_progress(conn: Connection) -> list[str]:
    """``migrate``, with progress on standard error when migrations are pending (a bar at a
    terminal, plain lines elsewhere); silent when the database is up to date.

    Example, in a coroutine::

        await migrate_showing_progress(conn)
        # -> ['001_core', '010_promotions']
    """
    waiting = await pending(conn)
    if not waiting:
        return await migrate(conn)
    with progress("migrations", len(waiting), "migrations") as shown:
        return await migrate(conn, shown=shown)
