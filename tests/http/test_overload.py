"""Overload and rate limits on a served gateway: past the bound a short queue, then paced 503s;
429 past a key's bucket.

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


FLOOD_CLIENTS = 8
FLOOD_S = 2.5
PREFERS = "application/graphql-response+json, application/json;q=0.9"
GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"


async def _flood(base: str, accept: str, until: float) -> list[tuple[httpx.Response, float]]:
    """One client on its own connection, re-sending at once after every answer until ``until``."""
    answers = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < until:
            sent = time.monotonic()
            response = await http.post("/graphql", json=HELLO, headers={"accept": accept})
            answers.append((response, time.monotonic() - sent))
    return answers


async def test_refused_clients_are_paced_while_admitted_requests_complete(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_MAX_IN_FLIGHT": "2",
        "GATEWAY_ADMISSION_QUEUE": "0",
        "GATEWAY_REFUSAL_DELAY_MS": "600",  # each refusal held 0.3 to 0.9 s
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

                # when clients on their own connections re-send at once after every refusal
                until = time.monotonic() + FLOOD_S
                accepts = ["application/json", PREFERS] * (FLOOD_CLIENTS // 2)
                flood = [asyncio.create_task(_flood(base, a, until)) for a in accepts]

                # then health, readiness and metrics still answer, and at once
                started = time.monotonic()
                health = await http.get("/healthz")
                ready = await http.get("/readyz")
                probes_s = time.monotonic() - started
                floods = await asyncio.gather(*flood)
                metrics = await http.get("/metrics")
                still_held = not any(task.done() for task in admitted)
            finally:
                await locker.close()  # ends the transaction: the held requests go on

            answers = await asyncio.gather(*admitted)
            after = await http.post("/graphql", json=HELLO)

    assert still_held
    refusals = [answer for answers_of_one in floods for answer in answers_of_one]
    assert {response.status_code for response, _ in refusals} == {503}
    # Paced: each refusal is held (0.3 to 0.9 s as set), so a client re-sending at once is
    # refused a handful of times in 2.5 s; unpaced, it was refused hundreds of times.
    assert all(0.25 < held_s < 5 for _, held_s in refusals), [s for _, s in refusals]
    assert all(1 <= len(answers_of_one) <= 10 for answers_of_one in floods)
    for accept, answers_of_one in zip(accepts, floods, strict=True):
        for response, _ in answers_of_one:
            assert response.headers["retry-after"] == "1"
            assert response.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
            expected = GRAPHQL_RESPONSE if accept == PREFERS else "application/json"
            assert response.headers["content-type"] == expected
    assert (health.status_code, ready.status_code, metrics.status_code) == (200, 200, 200)
    assert probes_s < 2
    assert f"gateway_shed_requests_total {float(len(refusals))}" in metrics.text
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["data"]["personalizedOffers"]["offers"][0]["offerId"]
    assert after.status_code == 200


async def test_past_the_bound_a_request_waits_in_the_queue_for_a_freed_slot(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_MAX_IN_FLIGHT": "1",
        "GATEWAY_ADMISSION_QUEUE": "1",
        "GATEWAY_ADMISSION_QUEUE_WAIT_MS": "3000",
        "GATEWAY_REFUSAL_DELAY_MS": "0",  # refused at once, so the queue is what is seen
        "GATEWAY_STATEMENT_TIMEOUT_MS": "60000",
    }
    with running_gateway(env, log=tmp_path / "serve.log") as (base, _process):
        locker = await asyncpg.connect(database_dsn)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            try:
                # given one request admitted and held in the database, and one queued
                transaction = locker.transaction()
                await transaction.start()
                await locker.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
                admitted = asyncio.create_task(http.post("/graphql", json=OFFERS))
                await _waiting_on_locks(locker, 1, timeout_s=30)
                queued = asyncio.create_task(http.post("/graphql", json=HELLO))
                await asyncio.sleep(0.5)
                queued_held = not queued.done()
                # when a third arrives, the queue is full: refused at once
                started = time.monotonic()
                refused = await http.post("/graphql", json=HELLO)
                refused_in_s = time.monotonic() - started
                # and when the admitted one ends, the queued one takes its slot
                await transaction.rollback()
                first, second = await asyncio.gather(admitted, queued)

                # given the slot held again, a queued request is refused once its wait is over
                transaction = locker.transaction()
                await transaction.start()
                await locker.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
                held = asyncio.create_task(http.post("/graphql", json=OFFERS))
                await _waiting_on_locks(locker, 1, timeout_s=30)
                started = time.monotonic()
                expired = await http.post("/graphql", json=HELLO)
                expired_in_s = time.monotonic() - started
            finally:
                await locker.close()
            last = await held

    assert queued_held
    assert refused.status_code == 503
    assert refused_in_s < 2
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["data"] == {"__typename": "Query"}
    assert expired.status_code == 503
    assert 2.5 < expired_in_s < 10
    assert last.status_code == 200


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
