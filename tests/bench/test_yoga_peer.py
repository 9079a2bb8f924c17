"""The Yoga peer (a real GraphQL Yoga server on the test database) answers the bench's cart query
exactly as the gateway does, in three SQL round trips."""

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
from bench.yoga_peer import YOGA, compare_with_gateway, first_difference, start_yoga
from gateway import migrations
from tests.provision import require_npm_project

SHAPE = Shape(customers=30, plays=12, ledger_rows=400)
CUSTOMERS = [customer_id(n) for n in range(SHAPE.customers)]


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


@pytest.fixture
def yoga(bench_dsn: str, tmp_path: Path) -> Iterator[Server]:
    """The Yoga peer on the tiny dataset, counting its round trips."""
    project = Path(str(YOGA))
    require_npm_project(project)
    with start_yoga(project, bench_dsn, tmp_path, core=None, count_round_trips=True) as server:
        server.wait_ready(scenarios.body(scenarios.HELLO).encode(), {}, timeout_s=60)
        yield server


async def test_the_peer_answers_every_cart_as_the_gateway_does(
    yoga: Server, bench_dsn: str
) -> None:
    # Given every customer of the dataset; when both answer the bench's cart query
    mismatches = await _compare(bench_dsn, yoga.url())
    # then the answers are equal, field for field
    assert mismatches == []
    # and the comparison covered what matters: limits partly used, criteria present.
    answers = [_cart(yoga, customer) for customer in CUSTOMERS]
    promotions = [p for answer in answers for p in answer["data"]["cartPromotions"]]
    limits = [
        limit
        for p in promotions
        if p["restrictions"]
        for level in p["restrictions"].values()
        for limit in level
    ]
    assert any(limit["remainingRedemption"] != limit["maxLimit"] for limit in limits)
    assert any(p["supplementaryCriteria"] for p in promotions)
    # Listing, restrictions, programs: one query each (no programs query when none is listed).
    for answer in answers:
        listed = answer["data"]["cartPromotions"]
        expected = 3 if any(p["supplementaryCriteria"] for p in listed) else 2
        assert answer["extensions"]["sqlRoundTrips"] == expected


def test_a_difference_is_named_by_its_path() -> None:
    ours = {"cartPromotions": [{"restrictions": {"customer": [{"remainingRedemption": "9"}]}}]}
    theirs = orjson.loads(orjson.dumps(ours).replace(b'"9"', b'"8"'))
    assert first_difference(ours, ours) is None
    assert first_difference(ours, theirs) == (
        "cartPromotions[0].restrictions.customer[0].remainingRedemption: '9' != '8'"
    )
    assert first_difference({"a": [1]}, {"a": [1, 2]}) == "a: 1 items != 2"


async def _compare(dsn: str, url: str) -> list[str]:
    # compare_with_gateway runs its own event loop: keep it off this test's loop.
    return await asyncio.to_thread(compare_with_gateway, dsn, url, CUSTOMERS)


def _cart(server: Server, customer: str) -> dict[str, Any]:
    body = scenarios.body(scenarios.CART, {"customerId": customer}).encode()
    answer: dict[str, Any] = orjson.loads(post(server.url(), body, {}))
    return answer
