"""The two Starlette peers, as real uvicorn servers: the no-GraphQL floor answers every cart as the
gateway does (on the bench's dataset and on the demo data), and the bare endpoint answers
``{ __typename }``'s constant."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from bench import scenarios
from bench.dataset import load
from bench.servers import Server, post
from bench.shape import Shape, customer_id
from bench.starlette_peers import start_bare, start_floor
from bench.yoga_peer import compare_with_gateway
from gateway import migrations

SHAPE = Shape(customers=30, plays=12, ledger_rows=400)
CUSTOMERS = [customer_id(n) for n in range(SHAPE.customers)]
HELLO = scenarios.body(scenarios.HELLO).encode()


@pytest.fixture
async def bench_dsn(empty_database_dsn: str) -> str:
    """A database holding the benchmark dataset at a tiny scale."""
    conn = await asyncpg.connect(empty_database_dsn)
    try:
        await migrations.migrate(conn)
        await load(conn, SHAPE)
    finally:
        await conn.close()
    return empty_database_dsn


def _floor(dsn: str, workdir: Path) -> Iterator[Server]:
    with start_floor(dsn, workdir, core=None) as server:
        server.wait_ready(_cart_body("nobody"), {}, timeout_s=60)
        yield server


@pytest.fixture
def bench_floor(bench_dsn: str, tmp_path: Path) -> Iterator[Server]:
    yield from _floor(bench_dsn, tmp_path)


@pytest.fixture
def demo_floor(database_dsn: str, tmp_path: Path) -> Iterator[Server]:
    yield from _floor(database_dsn, tmp_path)


async def test_the_floor_answers_every_bench_cart_as_the_gateway_does(
    bench_floor: Server, bench_dsn: str
) -> None:
    # Given every customer of the bench's dataset; when the floor and the gateway answer the cart
    mismatches = await asyncio.to_thread(
        compare_with_gateway, bench_dsn, bench_floor.url(), CUSTOMERS
    )
    # then the answers are equal, field for field
    assert mismatches == []
    # and the comparison covered what matters: limits partly used, criteria, timestamps.
    promotions = [p for c in CUSTOMERS for p in _cart(bench_floor, c)["data"]["cartPromotions"]]
    limits = [
        limit
        for p in promotions
        if p["restrictions"]
        for level in p["restrictions"].values()
        for limit in level
    ]
    assert any(limit["remainingRedemption"] != limit["maxLimit"] for limit in limits)
    assert any(p["supplementaryCriteria"] for p in promotions)
    assert any(p["restrictions"] is None for p in promotions)
    assert any(p["validTill"] for p in promotions)


async def test_the_floor_answers_the_demo_customers_as_the_gateway_does(
    demo_floor: Server, database_dsn: str
) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        customers = [
            r["customer_id"] for r in await conn.fetch("SELECT customer_id FROM customers")
        ]
    finally:
        await conn.close()
    assert len(customers) >= 5
    mismatches = await asyncio.to_thread(
        compare_with_gateway, database_dsn, demo_floor.url(), [*customers, "nobody-at-all"]
    )
    assert mismatches == []
    answers = [_cart(demo_floor, c)["data"]["cartPromotions"] for c in customers]
    assert sum(len(a) for a in answers) >= 5  # the demo customers do hold promotions
    assert _cart(demo_floor, "nobody-at-all") == {"data": {"cartPromotions": []}}


def test_the_bare_endpoint_answers_typename(tmp_path: Path) -> None:
    with start_bare(tmp_path, core=None) as bare:
        bare.wait_ready(HELLO, {}, timeout_s=60)
        assert post(bare.url(), HELLO, {}) == b'{"data":{"__typename":"Query"}}'
        assert bare.cpu_s() > 0  # a real process, read from /proc


def _cart_body(customer: str) -> bytes:
    return scenarios.body(scenarios.CART, {"customerId": customer}).encode()


def _cart(server: Server, customer: str) -> dict[str, Any]:
    answer: dict[str, Any] = orjson.loads(post(server.url(), _cart_body(customer), {}))
    return answer
