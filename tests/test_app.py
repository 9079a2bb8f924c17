"""The HTTP surface: /graphql, /healthz, /readyz, error codes, development extensions."""

from __future__ import annotations

import gc
import logging

import httpx
import pytest

from gateway.app import app_from_environment
from tests.conftest import Gql


async def test_typename_over_http_reports_round_trips(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}, "extensions": {"sqlRoundTrips": 0}}


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_readiness_names_pending_migrations(client: httpx.AsyncClient, pool: object) -> None:
    import asyncpg

    assert isinstance(pool, asyncpg.Pool)
    await pool.execute("DELETE FROM schema_migrations WHERE version = 1")

    ready = await client.get("/readyz")

    assert ready.status_code == 503
    assert ready.json()["pendingMigrations"] == ["001_core"]


async def test_syntax_error_has_a_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename "})

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    assert error["message"].startswith("Syntax Error")


async def test_unknown_field_has_a_code(gql: Gql) -> None:
    result = await gql("{ noSuchField }")

    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "noSuchField" in result.errors[0].message


async def test_graphiql_is_served_to_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_nul_character_anywhere_in_the_body_is_refused(client: httpx.AsyncClient) -> None:
    body = b'{"query": "query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }",'
    body += b' "variables": {"id": "demo-\\u0000loyal"}}'

    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "NUL" in response.json()["errors"][0]["message"]


def _run_worker_factory() -> tuple[int, tuple[int, int, int]]:
    """Call the workers' app factory; the objects it froze and the thresholds it set.

    The collector and logging (the factory configures both) are restored afterwards.
    """
    threshold = gc.get_threshold()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        app_from_environment()
        return gc.get_freeze_count(), gc.get_threshold()
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        root.handlers[:] = handlers
        root.setLevel(level)


def test_a_worker_freezes_its_start_up_objects_and_collects_less_often(
    monkeypatch: pytest.MonkeyPatch, database_dsn: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_dsn)
    monkeypatch.setenv("GATEWAY_GC_YOUNG_THRESHOLD", "12345")

    frozen, tuned = _run_worker_factory()

    assert frozen > 10_000  # the imported modules' objects, at least
    assert tuned == (12345, 10, 10)


def test_a_zero_young_threshold_leaves_the_collector_alone(
    monkeypatch: pytest.MonkeyPatch, database_dsn: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_dsn)
    monkeypatch.setenv("GATEWAY_GC_YOUNG_THRESHOLD", "0")
    before = gc.get_threshold()

    frozen, tuned = _run_worker_factory()

    assert frozen == 0
    assert tuned == before
