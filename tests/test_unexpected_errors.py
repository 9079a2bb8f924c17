"""An unexpected error (README "Errors"): answered INTERNAL_SERVER_ERROR without detail, logged once
with the request id and the traceback.

The fault is real: the database's schema drifts under the running gateway (a column its listing
reads is renamed), so PostgreSQL raises an error no code path expects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import asyncpg
import orjson
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.observability.logs import JsonFormatter
from gateway.operation.error_codes import MASKED_MESSAGE
from gateway.settings import Settings
from tests.conftest import http_client

CART = {"query": '{ cartPromotions(customerId: "demo-loyal") { promotionId promotionName } }'}
# What must never reach a client: the cause, the SQL, Python's machinery.
INTERNALS = ("name_broken", "UndefinedColumn", "asyncpg", "Traceback", "SELECT", ".py", "not exist")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """The JSON lines the gateway logs while the test runs, formatted as ``serve`` writes them."""
    handler = _Lines()
    logger = logging.getLogger("gateway")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize("env", ["development", "production"])
async def test_an_unexpected_error_is_masked_and_logged_once_with_the_request_id(
    settings: Settings, database_dsn: str, log_lines: list[str], env: str
) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        token = await keys.create_key(conn, "web", [Scope.READ], ["acme"])
        await conn.execute("ALTER TABLE promotions RENAME COLUMN name TO name_broken")
    finally:
        await conn.close()
    headers = {"X-Request-ID": f"unexpected-{env}", "Authorization": f"Bearer {token}"}

    async with http_client(settings.model_copy(update={"env": env})) as http:
        response = await http.post("/graphql", json=CART, headers=headers)

    body = response.json()
    assert response.headers["x-request-id"] == f"unexpected-{env}"
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == MASKED_MESSAGE
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["path"] == ["cartPromotions"]
    assert not [word for word in INTERNALS if word in response.text], response.text

    logged = [orjson.loads(line) for line in log_lines]
    errors = [entry for entry in logged if entry["level"] == "ERROR"]
    assert len(errors) == 1, logged
    [entry] = errors
    assert entry["request_id"] == f"unexpected-{env}"
    assert entry["message"] == "unexpected error at cartPromotions"
    assert entry["exc"].startswith("Traceback (most recent call last)")
    assert "UndefinedColumnError" in entry["exc"]
