"""Fixtures for the real-client tests: the npm packages and a served gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.node import HERE
from tests.provision import require_npm_project
from tests.serving import running_gateway


@pytest.fixture(scope="session")
def client_packages() -> Path:
    """node_modules with Apollo Client and urql, from ``npm ci`` of the committed lockfile."""
    return require_npm_project(HERE)


@pytest.fixture
def graphql_url(client_packages: Path, database_dsn: str, tmp_path: Path) -> Iterator[str]:
    """``/graphql`` of a real ``gateway serve`` (development mode) on this test's database."""
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    with running_gateway(env, log=tmp_path / "gateway.log") as (base, _process):
        yield f"{base}/graphql"
