"""The database goes away while requests flow and comes back: clear errors, fast recovery,
nothing lost or doubled (clients retry with their idempotency keys, or the same decision).

The clients' writes take turns: a redemption, an offer event, an accept (a fulfillment), so the
outage meets all three kinds of write that docs/operations.md promises survive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from gateway import migrations
from gateway.cli.demo import load_demo
from gateway.cli.embedded import EmbeddedPostgres
from gateway.offers.feedback import parse_fulfillment_id
from gateway.offers.tokens import DecisionClaims, KeyRing, sign
from tests.conftest import outside_pytest_tmp
from tests.serving import running_gateway

REDEEM = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename ... on Redemption { redemptionId } } }"""
EVENT = "mutation ($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { id } }"
ACCEPT = """mutation ($id: ID!) {
  createOfferFulfillment(personalizedOfferId: $id, optionId: "learn-more") { id } }"""
KINDS = ("redeemCartPromotion", "recordOfferEvent", "createOfferFulfillment")
SIGNING_KEY = "fault-test-signing-key-0123456789"
PLAY = "acme-annual-upgrade"
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
UPDATE plays SET max_accepts_per_customer = NULL WHERE play_id = 'acme-annual-upgrade';
"""


@dataclass
class Observed:
    """What the clients saw."""

    error_codes: list[str] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)  # monotonic times
    ids: dict[str, list[str]] = field(default_factory=dict)  # kind -> the ids acknowledged
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


def _decision(user: str) -> str:
    """A decision token of PLAY for demo-b2c, signed with the gateway's key."""
    now = datetime.now(UTC)
    claims = DecisionClaims(PLAY, PLAY, "demo-b2c", user, None, now, now + timedelta(minutes=30))
    return sign(claims, KeyRing.single(SIGNING_KEY.encode()))


def _write(key: str, kind: str) -> dict[str, Any]:
    """The request of the ``kind`` write named ``key``; sent again as is until acknowledged."""
    if kind == "recordOfferEvent":
        return {"query": EVENT, "variables": {"id": _decision(key)}}
    if kind == "createOfferFulfillment":
        return {"query": ACCEPT, "variables": {"id": _decision(key)}}
    redemption = {"customerId": "demo-loyal", "promotionId": "fault-test", "transactionId": key,
                  "cartId": key, "amount": "1.00", "idempotencyKey": key}  # fmt: skip
    return {"query": REDEEM, "variables": {"input": redemption}}


async def _client(http: httpx.AsyncClient, client: int, seen: Observed, deadline: float) -> None:
    for n in range(KEYS_PER_CLIENT):
        key = f"fault-{client}-{n}"
        kind = KINDS[(client + n) % len(KINDS)]
        body = _write(key, kind)
        while time.monotonic() < deadline:  # retry the same write until it is recorded
            started = time.monotonic()
            try:
                response = await http.post("/graphql", json=body)
            except httpx.TransportError:
                seen.server_errors += 1
                await asyncio.sleep(0.1)
                continue
            if response.status_code >= 500 and response.status_code != 503:
                seen.server_errors += 1
            answer = response.json()
            code = answer["errors"][0]["extensions"]["code"] if "errors" in answer else None
            seen.requests.append((started, time.monotonic() - started, code))
            if code is None:
                data = answer["data"][kind]
                if kind == "redeemCartPromotion":
                    assert data["__typename"] == "Redemption"
                    seen.ids.setdefault(kind, []).append(key)
                else:
                    seen.ids.setdefault(kind, []).append(data["id"])
                seen.successes.append(time.monotonic())
                if len(seen.successes) >= CLIENTS:
                    seen.flowing.set()
                await asyncio.sleep(PACE_S)
                break
            seen.error_codes.append(code)
            await asyncio.sleep(0.05)


async def test_an_outage_while_writing_loses_and_doubles_nothing() -> None:
    with outside_pytest_tmp() as scratch:
        server = EmbeddedPostgres(scratch / "pgdata")
        dsn = server.start()
        try:
            await _run_outage(server, dsn)
        finally:
            server.stop()


async def _run_outage(server: EmbeddedPostgres, dsn: str) -> None:
    await _prepare(dsn)
    env = {
        "DATABASE_URL": dsn,
        "GATEWAY_POOL_ACQUIRE_TIMEOUT_S": "1",
        "GATEWAY_SIGNING_KEY": SIGNING_KEY,
    }
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
        events = [
            r["event_id"]
            for r in await conn.fetch(
                "SELECT event_id::text FROM offer_events WHERE external_user_id LIKE 'fault-%'"
                " AND type = 'viewed'"
            )
        ]
        fulfillments = [
            r["fulfillment_id"]
            for r in await conn.fetch(
                "SELECT fulfillment_id::text FROM offer_fulfillments"
                " WHERE external_user_id LIKE 'fault-%'"
            )
        ]
        accepted = await conn.fetchval(
            "SELECT count(*) FROM offer_events WHERE external_user_id LIKE 'fault-%'"
            " AND type = 'accepted'"
        )
    finally:
        await conn.close()
    keys = [r["idempotency_key"] for r in rows]
    assert sorted(keys) == sorted(seen.ids["redeemCartPromotion"])
    assert {r["outcome"] for r in rows} == {"redeemed"}
    assert used == len(keys)
    # Events and fulfillments: once per decision, with the ids the clients were given.
    assert sorted(events) == sorted(seen.ids["recordOfferEvent"])
    told = [str(parse_fulfillment_id(i)[1]) for i in seen.ids["createOfferFulfillment"]]
    assert sorted(fulfillments) == sorted(told)
    assert accepted == len(fulfillments)
    assert sum(len(ids) for ids in seen.ids.values()) == CLIENTS * KEYS_PER_CLIENT
