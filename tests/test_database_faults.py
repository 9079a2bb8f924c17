"""The database goes away while requests flow and comes back: clear errors, fast recovery,
nothing lost or doubled (clients retry with their idempotency keys)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import asyncpg
import httpx

from gateway import migrations
from gateway.cli.demo import load_demo
from gateway.cli.embedded import EmbeddedPostgres
from tests.conftest import outside_pytest_tmp
from tests.serving import running_gateway

REDEEM = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename ... on Redemption { redemptionId } } }"""
CLIENTS, KEYS_PER_CLIENT = 8, 25
OUTAGE_S = 3.0
ANSWER_WITHIN_S = 1.25
RECOVERY_S = 2.0
# Clients pause between keys so their 25 keys span the outage: unpaced, 200 redemptions can all
# be recorded before the database stops, and the test would see no outage at all.
PACE_S = 0.2

SETUP = """
INSERT INTO promotions (promotion_id, brand_id, name, kind) VALUES
    ('fault-test', 'acme', 'Fault test', 'issued');
INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time) VALUES
    ('demo-loyal', 'fault-test', 'acme', now());
INSERT INTO promotion_restrictions (promotion_id, level, kpi, max_limit) VALUES
    ('fault-test', 'customer', 'redemption', 100000),
    ('fault-test', 'promotion', 'redemption', 100000);
"""


@dataclass
class Observed:
    """What the clients saw."""

    error_codes: list[str] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)  # monotonic times
    server_errors: int = 0
    # Every answered request: (started, seconds it took, its error code or None), monotonic.
    requests: list[tuple[float, float, str | None]] = field(default_factory=list)
    flowing: asyncio.Event = field(default_factory=asyncio.Event)  # set after CLIENTS successes


async def _prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        await load_demo(conn)
        await conn.execute(SETUP)
    finally:
        await conn.close()


async def _client(http: httpx.AsyncClient, client: int, seen: Observed, deadline: float) -> None:
    for n in range(KEYS_PER_CLIENT):
        key = f"fault-{client}-{n}"
        variables = {
            "input": {
                "customerId": "demo-loyal",
                "promotionId": "fault-test",
                "transactionId": key,
                "cartId": key,
                "amount": "1.00",
                "idempotencyKey": key,
            }
        }
        while time.monotonic() < deadline:  # retry the same key until it is recorded
            started = time.monotonic()
            try:
                response = await http.post(
                    "/graphql", json={"query": REDEEM, "variables": variables}
                )
            except httpx.TransportError:
                seen.server_errors += 1
                await asyncio.sleep(0.1)
                continue
            if response.status_code >= 500 and response.status_code != 503:
                seen.server_errors += 1
            body = response.json()
            code = body["errors"][0]["extensions"]["code"] if "errors" in body else None
            seen.requests.append((started, time.monotonic() - started, code))
            if code is None:
                assert body["data"]["redeemCartPromotion"]["__typename"] == "Redemption"
                seen.successes.append(time.monotonic())
                if len(seen.successes) >= CLIENTS:
                    seen.flowing.set()
                await asyncio.sleep(PACE_S)
                break
            seen.error_codes.append(code)
            await asyncio.sleep(0.05)


async def test_an_outage_while_redeeming_loses_and_doubles_nothing() -> None:
    with outside_pytest_tmp() as scratch:
        server = EmbeddedPostgres(scratch / "pgdata")
        dsn = server.start()
        try:
            await _run_outage(server, dsn)
        finally:
            server.stop()


async def _run_outage(server: EmbeddedPostgres, dsn: str) -> None:
    await _prepare(dsn)
    env = {"DATABASE_URL": dsn, "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "1"}
    seen = Observed()
    with running_gateway(env) as (base, process):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 60
            clients = [
                asyncio.create_task(_client(http, c, seen, deadline)) for c in range(CLIENTS)
            ]
            # Requests flow before the outage (bounded: a gateway that never answers fails below).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(seen.flowing.wait(), 10)
            await asyncio.to_thread(server.stop)
            down_at = time.monotonic()
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(server.start)
            back_at = time.monotonic()
            await asyncio.gather(*clients)
        alive = process.poll() is None

    assert alive, "the gateway process must survive the outage"
    assert seen.server_errors == 0
    assert seen.error_codes, "requests during the outage should have failed"
    assert set(seen.error_codes) <= {"DATABASE_UNAVAILABLE", "TIMEOUT"}, set(seen.error_codes)
    # README: every request during the outage gets its error within ~1 s (the acquire timeout
    # is 1 s here). Every request is timed, successes included: none may hang through the outage
    # and succeed afterwards; those sent in its last second end within the recovery bound.
    outage = [r for r in seen.requests if down_at <= r[0] < back_at - ANSWER_WITHIN_S]
    assert outage, "requests were sent during the outage"
    assert max(took for _, took, _ in outage) < ANSWER_WITHIN_S, sorted(outage)[-3:]
    assert all(code in ("DATABASE_UNAVAILABLE", "TIMEOUT") for _, _, code in outage)
    last_second = [r for r in seen.requests if back_at - ANSWER_WITHIN_S <= r[0] < back_at]
    assert all(started + took < back_at + RECOVERY_S for started, took, _ in last_second)
    assert any(t < down_at for t in seen.successes), "requests were flowing before the outage"
    first_after = min(t for t in seen.successes if t > back_at)
    assert first_after - back_at < RECOVERY_S, "service must return within 2 s of the database"
    assert len(seen.successes) == CLIENTS * KEYS_PER_CLIENT

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT idempotency_key, outcome::text FROM redemptions"
            " WHERE customer_id = 'demo-loyal' AND promotion_id = 'fault-test'"
        )
        used = await conn.fetchval(
            "SELECT used FROM promotion_restriction_usage u JOIN promotion_restrictions r"
            " USING (restriction_id) WHERE r.promotion_id = 'fault-test'"
        )
    finally:
        await conn.close()
    keys = [r["idempotency_key"] for r in rows]
    assert len(keys) == len(set(keys)) == CLIENTS * KEYS_PER_CLIENT
    assert {r["outcome"] for r in rows} == {"redeemed"}
    assert used == CLIENTS * KEYS_PER_CLIENT
