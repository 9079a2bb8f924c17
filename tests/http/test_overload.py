"""Overload and rate limits on a served gateway: a fast 503 past the bound, 429 past a key's bucket.

The admitted requests are held by a real lock: a test transaction takes the customers table, so
personalizedOffers waits in PostgreSQL until the test lets go.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import httpx

from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from tests.serving import running_gateway

OFFERS = {"query": '{ personalizedOffers(input: {customerId: "demo-b2c"}) { offers { offerId } } }'}
HELLO = {"query": "{ __typename }"}


async def _waiting_on_locks(conn: asyncpg.Connection, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while await conn.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted") < count:
        assert time.monotonic() < deadline, f"{count} requests never reached the database"
        await asyncio.sleep(0.05)


async def test_past_the_bound_a_fast_503_while_admitted_requests_complete(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_MAX_IN_FLIGHT": "2",
        "GATEWAY_STATEMENT_TIMEOUT_MS": "60000",
    }
    with running_gateway(env, log=tmp_path / "serve.log") as (base, _process):
        locker = await asyncpg.connect(database_dsn)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            try:
                # given two requests admitted and held in the database
                transaction = locker.transaction()
                await transaction.start()
                await locker.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
                admitted = [asyncio.create_task(http.post("/graphql", json=OFFERS)) for _ in "ab"]
                await _waiting_on_locks(locker, 2, timeout_s=30)

                # when a third arrives, it is refused at once, and so is a fourth
                started = time.monotonic()
                refused = await http.post("/graphql", json=HELLO)
                again = await http.post("/graphql", json=HELLO)
                refused_in_s = time.monotonic() - started

                # and health, readiness and metrics still answer
                health = await http.get("/healthz")
                ready = await http.get("/readyz")
                metrics = await http.get("/metrics")
                still_held = not any(task.done() for task in admitted)
            finally:
                await locker.close()  # ends the transaction: the held requests go on

            answers = await asyncio.gather(*admitted)
            after = await http.post("/graphql", json=HELLO)

    assert still_held
    assert refused.status_code == again.status_code == 503
    assert refused_in_s < 2
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert (health.status_code, ready.status_code, metrics.status_code) == (200, 200, 200)
    assert "gateway_shed_requests_total 2.0" in metrics.text
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["data"]["personalizedOffers"]["offers"][0]["offerId"]
    assert after.status_code == 200


async def test_a_key_past_its_bucket_gets_429_until_it_refills(
    database_dsn: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        first = await create_key(conn, "first", [Scope.READ], ["acme"])
        second = await create_key(conn, "second", [Scope.READ], ["acme"])
    finally:
        await conn.close()
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_REQUIRE_API_KEYS": "true",
        "GATEWAY_RATE_LIMIT": "0.5",
        "GATEWAY_RATE_LIMIT_BURST": "3",
    }
    with running_gateway(env, log=tmp_path / "serve.log") as (base, _process):
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def call(token: str) -> httpx.Response:
                headers = {"authorization": f"Bearer {token}"}
                return await http.post("/graphql", json=HELLO, headers=headers)

            # given a key that spends its burst of 3 at once
            started = time.monotonic()
            burst = [await call(first) for _ in range(3)]
            # when it asks once more within the same second
            limited = await call(first)
            within_s = time.monotonic() - started
            # then another key is not affected
            other = await call(second)
            # and once the Retry-After delay has passed (a token every 2 s), it may go again
            await asyncio.sleep(int(limited.headers["retry-after"]))
            refilled = await call(first)
            metrics = await http.get("/metrics")

    assert [r.status_code for r in burst] == [200, 200, 200]
    assert within_s < 2, "the burst must be spent before a token is refilled"
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert other.status_code == 200
    assert refilled.status_code == 200
    assert "gateway_rate_limited_requests_total 1.0" in metrics.text
