"""Demo data (``sql/demo/``), loaded into an empty database so a first run has something to show."""

from __future__ import annotations

import logging
from importlib.resources.abc import Traversable

import asyncpg

from gateway.resources import sql_dir

logger = logging.getLogger("gateway")

_DEMO_SUFFIXES = (".sql", ".yaml", ".yml", ".json")


def demo_dir() -> Traversable:
    """The demo data folder, shipped with the migrations (``sql/demo``)."""
    return sql_dir() / "demo"


def demo_files(folder: Traversable | None = None) -> list[Traversable]:
    """The demo files, in the order they are applied (by name)."""
    folder = demo_dir() if folder is None else folder
    found = (p for p in folder.iterdir() if p.name.endswith(_DEMO_SUFFIXES))
    return sorted(found, key=lambda p: p.name)


async def load_demo(conn: asyncpg.Connection, folder: Traversable | None = None) -> bool:
    """Load the demo data in one transaction when the database has no customers yet.

    Returns True when it loaded, False when the database already had data.

    Example, in a coroutine::

        await load_demo(conn)
        # -> True
    """
    async with conn.transaction():
        # Serialise concurrent starters: the second one sees the first one's customers.
        await conn.execute("LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE")
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM customers)"):
            return False
        for path in demo_files(folder):
            if path.name.endswith(".sql"):
                await conn.execute(path.read_text())
            else:
                await _apply_catalog_file(conn, path)
        logger.info("loaded the demo data")
        return True


async def _apply_catalog_file(conn: asyncpg.Connection, path: Traversable) -> None:
    # The catalog loader of `gateway load FILE`, imported late: it pulls in the offers domain.
    from gateway.catalog import load as config_file

    await config_file.apply_file(conn, path)
