"""Fixtures for the real-client tests: the npm packages and a served gateway.

One ``gateway serve`` per test module (starting one costs seconds), on a database of the module's
own, put back as the template made it before each test (``tests/pristine.py``): every test sees
the demo data untouched, whatever the tests before it redeemed. The server's memory (persisted
queries registered by APQ) lasts for the module: each module has at most one APQ test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.node import HERE
from tests.pristine import restore
from tests.provision import require_npm_project
from tests.shared_server import served_demo


@pytest.fixture(scope="session")
def client_packages() -> Path:
    """node_modules with Apollo Client and urql, from ``npm ci`` of the committed lockfile."""
    return require_npm_project(HERE)


@pytest.fixture(scope="module")
def served(
    client_packages: Path,
    server_dsn: str,
    template_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """(``/graphql`` URL, database DSN) of a real ``gateway serve`` (development mode)."""
    with served_demo(server_dsn, template_database, tmp_path_factory.mktemp("served")) as served:
        yield served


@pytest.fixture
async def served_dsn(served: tuple[str, str]) -> str:
    """DSN of the served database, its rows as the template made them."""
    await restore(served[1])
    return served[1]


@pytest.fixture
def graphql_url(served: tuple[str, str], served_dsn: str) -> str:
    """``/graphql`` of the module's served gateway; its database put back for this test."""
    return served[0]
