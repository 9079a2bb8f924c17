"""Run tests through a real PgBouncer in transaction pooling mode (``server.py``).

The ``settings`` and ``pool`` fixtures are replaced: the app, the loaders and the mutations reach
this test's database through PgBouncer, with ``GATEWAY_DATABASE_POOLER=pgbouncer`` (no prepared
statements kept, no session settings at startup). Migrations, the template database and the
change listener stay on the server itself (``DATABASE_DIRECT_URL``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from gateway.db import create_pool
from gateway.settings import Settings, load_settings
from tests.dsn import dsn_with_database
from tests.through_pgbouncer.server import running_pgbouncer


@pytest.fixture(scope="session")
def pgbouncer_dsn(server_dsn: str) -> Iterator[str]:
    """PgBouncer (transaction mode) before the test server; its DSN."""
    with running_pgbouncer(server_dsn) as dsn:
        yield dsn


@pytest.fixture
def settings(database_dsn: str, pgbouncer_dsn: str, tmp_path: Path) -> Settings:
    """Development-mode settings reaching this test's database through PgBouncer."""
    database = urlsplit(database_dsn).path.lstrip("/")
    return load_settings(
        database_url=dsn_with_database(pgbouncer_dsn, database),
        database_direct_url=database_dsn,
        database_pooler="pgbouncer",
        data_dir=tmp_path,
        env="development",
    )


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool through PgBouncer, with the gateway's codecs and pooler settings."""
    assert settings.database_url is not None
    pool = await create_pool(settings.database_url, settings)
    try:
        yield pool
    finally:
        await pool.close()
