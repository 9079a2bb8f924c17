"""Request ids, body limits and /metrics."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest

from gateway.observability.logs import JsonFormatter, LogFormat, TextFormatter, resolve_format
from gateway.observability.request_id import request_id_var


async def test_a_sane_request_id_is_echoed_and_a_missing_one_is_made(
    client: httpx.AsyncClient,
) -> None:
    given = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-123"}
    )
    made = await client.post("/graphql", json={"query": "{ __typename }"})
    hostile = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "a b\\nc"}
    )

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "a b\\nc"


async def test_an_oversized_body_gets_a_coded_413(client: httpx.AsyncClient) -> None:
    query = "{ __typename }" + " " * 70_000

    response = await client.post("/graphql", json={"query": query})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_metrics_count_operations_and_error_codes(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": "query Ping { __typename }"})
    await client.post("/graphql", json={"query": "query Broken { nope }"})

    text = (await client.get("/metrics")).text

    assert 'gateway_graphql_requests_total{operation="Ping",outcome="ok"}' in text
    assert 'gateway_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}' in text
    assert "gateway_sql_round_trips_bucket" in text
    assert "gateway_pool_in_use 0.0" in text and "gateway_pool_waiting 0.0" in text


def test_json_log_lines_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    token = request_id_var.set("rid-1")
    try:
        record = logging.makeLogRecord(
            {
                "name": "gateway",
                "levelno": 20,
                "levelname": "INFO",
                "msg": "hello %s",
                "args": ("you",),
            }
        )
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)

    assert json.loads(line) | {"time": "-"} == {
        "time": "-",
        "level": "INFO",
        "logger": "gateway",
        "message": "hello you",
        "request_id": "rid-1",
    }


async def test_the_evaluator_time_is_recorded(client: httpx.AsyncClient) -> None:
    query = '{ personalizedOffers(input: {customerId: "demo-b2c"}) { expiresAt } }'
    before = await client.get("/metrics")

    await client.post("/graphql", json={"query": query})
    after = await client.get("/metrics")

    assert _count(after.text, "gateway_evaluator_seconds_count") == (
        _count(before.text, "gateway_evaluator_seconds_count") + 1
    )


def _count(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name))
    return float(line.split()[-1])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("wanted", "production", "at_terminal", "chosen"),
    [
        ("auto", False, True, "text"),  # a developer at a terminal
        ("auto", True, True, "json"),  # production, even at a terminal
        ("auto", False, False, "json"),  # CI, a pipe, a file, a log collector
        ("text", True, False, "text"),  # forced either way
        ("json", False, True, "json"),
    ],
)
def test_log_format_rule(
    wanted: LogFormat, production: bool, at_terminal: bool, chosen: str
) -> None:
    stream = _Terminal() if at_terminal else io.StringIO()
    assert resolve_format(wanted, production=production, stream=stream) == chosen


def test_text_log_lines_are_readable_and_keep_the_request_id() -> None:
    token = request_id_var.set("rid-2")
    try:
        record = logging.makeLogRecord(
            {"name": "gateway", "levelno": 30, "levelname": "WARNING", "msg": "slow", "ms": 12}
        )
        line = TextFormatter().format(record)
    finally:
        request_id_var.reset(token)

    assert line[8:] == " WARNING gateway: slow  request_id=rid-2 ms=12"


async def test_operations_are_counted_by_how_they_ran(client: httpx.AsyncClient) -> None:
    def counted(path: str, text: str) -> float:
        prefix = f'gateway_operation_paths_total{{path="{path}"}}'
        found = [line for line in text.splitlines() if line.startswith(prefix)]
        return float(found[0].split()[-1]) if found else 0.0

    before = (await client.get("/metrics")).text
    await client.post("/graphql", json={"query": "{ __typename }"})
    await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    after = (await client.get("/metrics")).text

    assert counted("compiled", after) == counted("compiled", before) + 1
    assert counted("fallback", after) == counted("fallback", before) + 1
