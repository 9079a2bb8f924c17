"""Measure subscriptions on one served worker (not a test: ``uv run python -m tests.live.measure``).

1,000 cart subscriptions of distinct customers (copies of demo-loyal) on one worker: idle memory
per subscription (the worker's RSS before and after they opened), then customer-level
redemptions (acme-gold-tv has only customer, product and category limits), each timed from the
mutation's request to the update reaching its subscriber, and the worker's rounds counted (one
per redemption: no other customer's subscriber re-ran). Then 1,000 offer subscriptions and a
catalog change: the time until every one received the new decision.

Needs a PostgreSQL (``DATABASE_URL`` of its maintenance database, by default the machine's
PostgreSQL at 127.0.0.1:5432); prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from gateway import migrations
from gateway.cli.demo import load_demo
from tests.dsn import dsn_with_database
from tests.live.wire import WsSession, ws_session
from tests.serving import running_gateway

SUBSCRIBERS = int(os.environ.get("LIVE_SUBSCRIBERS", "1000"))
CONNECTIONS = 10
REDEMPTIONS = int(os.environ.get("LIVE_REDEMPTIONS", "200"))
SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# demo-loyal's rows that make a customer: copied with a new customer id.
CUSTOMER_TABLES = ("customers", "customer_brands", "loyalty_memberships", "customer_promotions")
OFFER_TABLES = ("customers", "customer_brands", "subscriptions", "customer_attributes")

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) {
  id promotionId restrictions { customer { remainingRedemption } } } }"""
OFFER = """subscription ($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  expiresAt offers { id offerId } } }"""
REDEEM = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""


async def _database() -> str:
    name = f"live_measure_{os.getpid()}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = dsn_with_database(SERVER, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        await load_demo(conn)
        for prefix, source, tables in (
            ("cart", "demo-loyal", CUSTOMER_TABLES),
            ("offer", "demo-b2c", OFFER_TABLES),
        ):
            ids = [f"{prefix}-{n}" for n in range(SUBSCRIBERS)]
            for table in tables:
                # Table names are this module's constants; the values are parameters.
                copy = (
                    f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table},"  # noqa: S608
                    f" to_jsonb(t) || jsonb_build_object('customer_id', c))).*"
                    f" FROM {table} t, unnest($1::text[]) AS c WHERE t.customer_id = $2"
                )
                await conn.execute(copy, ids, source)
    finally:
        await conn.close()
    return dsn


def _rss_kb(pid: int) -> int:
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total


async def _rounds(url: str) -> float:
    async with httpx.AsyncClient() as http:
        text = (await http.get(url.replace("/graphql", "/metrics"))).text
    match = re.search(r"^gateway_subscription_rounds_total ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def _open(sessions: list[WsSession], query: str, prefix: str) -> None:
    for n in range(SUBSCRIBERS):
        await sessions[n % CONNECTIONS].subscribe(f"{prefix}-{n}", query, id=f"{prefix}-{n}")
    for n in range(SUBSCRIBERS):
        message = await sessions[n % CONNECTIONS].message(f"{prefix}-{n}", 60)
        assert message["type"] == "next" and "errors" not in message["payload"], message


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(url: str, pid: int, dsn: str) -> dict[str, Any]:
    """Every figure of the module docstring, against the served gateway at ``url``."""
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(20):  # warm the worker before its baseline
            await http.post(url, json={"query": '{ cartPromotions(customerId: "cart-0") { id } }'})
        sessions_cm = [ws_session(url) for _ in range(CONNECTIONS)]
        sessions = [await cm.__aenter__() for cm in sessions_cm]
        await asyncio.sleep(1)
        idle_before = _rss_kb(pid)
        opened = time.perf_counter()
        await _open(sessions, CART, "cart")
        open_s = time.perf_counter() - opened
        await asyncio.sleep(2)
        idle_after = _rss_kb(pid)

        rounds_before = await _rounds(url)
        latencies, after_response = [], []
        for n in range(REDEMPTIONS):
            variables = {"input": {"customerId": f"cart-{n}", "promotionId": "acme-gold-tv",
                                   "transactionId": f"t-{n}", "amount": "1.00",
                                   "idempotencyKey": f"measure-{n}", "productSku": "SKU-TV-55",
                                   "categoryId": "electronics"}}  # fmt: skip
            started = time.perf_counter()
            answer = await http.post(url, json={"query": REDEEM, "variables": variables})
            answered = time.perf_counter()
            assert answer.json()["data"]["redeemCartPromotion"]["__typename"] == "Redemption", (
                answer.text
            )
            await sessions[n % CONNECTIONS].message(f"cart-{n}", 10)
            arrived = time.perf_counter()
            latencies.append((arrived - started) * 1000)
            after_response.append((arrived - answered) * 1000)
        rounds = await _rounds(url) - rounds_before
        for n in range(SUBSCRIBERS):
            await sessions[n % CONNECTIONS].complete(f"cart-{n}")
        await asyncio.sleep(1)

        await _open(sessions, OFFER, "offer")
        conn = await asyncpg.connect(dsn)
        changed = time.perf_counter()
        await conn.execute("UPDATE plays SET status = 'paused' WHERE brand_id = 'acme'")
        await conn.close()
        for n in range(SUBSCRIBERS):
            message = await sessions[n % CONNECTIONS].message(f"offer-{n}", 30)
            assert message["payload"]["data"]["personalizedOfferChanged"]["offers"] == []
        catalog_s = time.perf_counter() - changed
        for cm in sessions_cm:
            await cm.__aexit__(None, None, None)
    return {
        "subscribers": SUBSCRIBERS,
        "connections": CONNECTIONS,
        "open_1000_s": round(open_s, 2),
        "idle_rss_kb_before": idle_before,
        "idle_rss_kb_after": idle_after,
        "idle_kb_per_subscription": round((idle_after - idle_before) / SUBSCRIBERS, 1),
        "redemptions": REDEMPTIONS,
        "redemption_to_update_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p99": round(_percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
        "response_to_update_ms": {
            "p50": round(statistics.median(after_response), 1),
            "p99": round(_percentile(after_response, 0.99), 1),
        },
        "rounds_during_redemptions": rounds,
        "catalog_change_to_all_offers_s": round(catalog_s, 2),
    }


async def _main() -> None:
    dsn = await _database()
    with tempfile.TemporaryDirectory() as state:
        env = {"DATABASE_URL": dsn, "GATEWAY_DATA_DIR": state, "GATEWAY_LOG_LEVEL": "WARNING",
               "GATEWAY_SUBSCRIPTIONS_PER_KEY": str(2 * SUBSCRIBERS)}  # fmt: skip
        with running_gateway(env, log=Path(state) / "serve.log") as (base, process):
            figures = await measure(f"{base}/graphql", process.pid, dsn)
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'DROP DATABASE IF EXISTS "{dsn.rsplit("/", 1)[-1]}" WITH (FORCE)')
    await admin.close()
    json.dump(figures, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    asyncio.run(_main())
