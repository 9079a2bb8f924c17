"""Demo data (``sql/demo/``), loaded into an empty database so a first run has something to show."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from gateway.migrations import SQL_DIR

logger = logging.getLogger("gateway")

DEMO_DIR = SQL_DIR / "demo"


def demo_files(demo_dir: Path = DEMO_DIR) -> list[Path]:
    """The demo files, in the order they are applied (by name)."""
    return sorted(p for p in demo_dir.iterdir() if p.suffix in {".sql", ".yaml", ".yml", ".json"})


async def load_demo(conn: asyncpg.Connection, demo_dir: Path = DEMO_DIR) -> bool:
    """Load the demo data in one transaction when the database has no customers yet.

    Returns True when it loaded, False when the database already had data.

    >>> await load_demo(conn)
    True
    """
    async with conn.transaction():
        # Serialise concurrent starters: the second one sees the first one's customers.
        await conn.execute("LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM customers)"):
            return False
        for path in demo_files(demo_dir):
            if path.suffix == ".sql":
                await conn.execute(path.read_text())
            else:
                await _apply_config_file(conn, path)
        logger.info("loaded the demo data from %s", demo_dir)
        return True


async def _apply_config_file(conn: asyncpg.Connection, path: Path) -> None:
    # The same loader as `gateway load FILE`.
    from gateway.offers import config_file  # type: ignore[attr-defined,unused-ignore]

    await config_file.apply_file(conn, path)
