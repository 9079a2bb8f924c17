"""Live updates on one worker: the subscription figures of issue 26's bench.

N cart subscriptions of distinct customers (copies of the demo's ``demo-loyal``) on one worker,
over a few WebSocket connections, in production mode with an API key:

- ``live_idle_kb_per_subscription``: the worker's RSS after they opened and rested, less before,
  per subscription;
- ``live_p50_ms`` / ``live_p99_ms``: customer-level redemptions (``acme-gold-tv`` has only
  customer, product and category limits), each timed from the mutation's request to the update
  reaching its subscriber (``live_after_response_p99_ms``: from the mutation's answer);
- ``live_stray_rounds``: the worker's subscription rounds during the redemptions less the
  redemptions (one round each: no other customer's subscriber re-ran);
- ``live_catalog_fanout_s``: then N offers subscriptions (copies of ``demo-b2c``) and one catalog
  change (every acme play paused): the time until every one received its new decision.

The phase has a database of its own on the bench's server (the demo data and the copies),
dropped at the end. ``python -m bench.live`` runs it alone (``DATABASE_URL``: the server's
maintenance database; ``LIVE_SUBSCRIBERS``, default 1,000).
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from bench.dataset import dsn_with_database
from bench.report import Figures
from bench.ws_session import WsSession, ws_session
from gateway import migrations
from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from gateway.cli.demo import load_demo

Log = Callable[[str], None]

# demo-loyal's rows that make a cart customer, demo-b2c's an offers customer: copied under new ids.
CART_TABLES = ("customers", "customer_brands", "loyalty_memberships", "customer_promotions")
OFFER_TABLES = ("customers", "customer_brands", "subscriptions", "customer_attributes")

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) {
  id promotionId restrictions { customer { remainingRedemption } } } }"""
OFFER = """subscription ($id: ID!) { personalizedOfferChanged(input: { customerId: $id }) {
  expiresAt offers { id offerId } } }"""
REDEEM = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""
CATALOG_CHANGE = "UPDATE plays SET status = 'paused' WHERE brand_id = 'acme'"
# Seconds the worker rests before and after the subscriptions open (its RSS settles).
SETTLE_S = 1.0


@dataclass(frozen=True)
class LiveOptions:
    """The phase's size: subscriptions (of each kind), connections, redemptions timed (one per
    customer, so at most ``subscribers``)."""

    subscribers: int = 1_000
    connections: int = 10
    redemptions: int = 200


async def prepare_database(server_dsn: str, database: str, subscribers: int) -> str:
    """``database`` (re)created on ``server_dsn``'s server: migrated, the demo data, and
    ``cart-<n>`` / ``offer-<n>`` copies of demo-loyal and demo-b2c; an API key's token (read,
    write, brand acme)."""
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    dsn = dsn_with_database(server_dsn, database)
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        await load_demo(conn)
        for prefix, source, tables in (
            ("cart", "demo-loyal", CART_TABLES),
            ("offer", "demo-b2c", OFFER_TABLES),
        ):
            ids = [f"{prefix}-{n}" for n in range(subscribers)]
            for table in tables:
                # Table names are this module's constants; the values are parameters.
                copy = (
                    f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table},"  # noqa: S608
                    f" to_jsonb(t) || jsonb_build_object('customer_id', c))).*"
                    f" FROM {table} t, unnest($1::text[]) AS c WHERE t.customer_id = $2"
                )
                await conn.execute(copy, ids, source)
        token = await create_key(conn, "bench live", [Scope.READ, Scope.WRITE], ["acme"])
    finally:
        await conn.close()
    return token


async def drop_database(server_dsn: str, database: str) -> None:
    """Drop the phase's database."""
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _rounds(http: httpx.AsyncClient, url: str) -> float:
    text = (await http.get(url.replace("/graphql", "/metrics"))).text
    match = re.search(r"^gateway_subscription_rounds_total ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


async def _open(sessions: list[WsSession], query: str, prefix: str, count: int) -> None:
    for n in range(count):
        await sessions[n % len(sessions)].subscribe(f"{prefix}-{n}", query, id=f"{prefix}-{n}")
    for n in range(count):
        message = await sessions[n % len(sessions)].message(f"{prefix}-{n}", 60)
        if message["type"] != "next" or "errors" in message["payload"]:
            raise RuntimeError(f"live: {prefix}-{n} did not open: {message}")


async def measure(
    url: str, rss_kb: Callable[[], float], dsn: str, token: str, options: LiveOptions
) -> Figures:
    """Every figure of the module docstring, against the served gateway at ``url``."""
    n, headers = options.subscribers, {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        for _ in range(20):  # warm the worker before its baseline
            await http.post(url, json={"query": '{ cartPromotions(customerId: "cart-0") { id } }'})
        managers = [
            ws_session(url, {"authorization": f"Bearer {token}"})
            for _ in range(options.connections)
        ]
        sessions = [await manager.__aenter__() for manager in managers]
        try:
            await asyncio.sleep(SETTLE_S)
            idle_before = rss_kb()
            await _open(sessions, CART, "cart", n)
            await asyncio.sleep(2 * SETTLE_S)
            idle_after = rss_kb()

            rounds_before = await _rounds(http, url)
            latencies, after_response = [], []
            redemptions = min(options.redemptions, n)  # one per customer: limits stay open
            for customer in range(redemptions):
                variables = {"input": {
                    "customerId": f"cart-{customer}", "promotionId": "acme-gold-tv",
                    "transactionId": f"t-{customer}", "amount": "1.00",
                    "idempotencyKey": f"live-{customer}", "productSku": "SKU-TV-55",
                    "categoryId": "electronics"}}  # fmt: skip
                started = time.perf_counter()
                answer = await http.post(url, json={"query": REDEEM, "variables": variables})
                answered = time.perf_counter()
                typename = answer.json().get("data", {}).get("redeemCartPromotion", {})
                if typename != {"__typename": "Redemption"}:
                    raise RuntimeError(f"live: the redemption failed: {answer.text[:300]}")
                await sessions[customer % len(sessions)].message(f"cart-{customer}", 10)
                arrived = time.perf_counter()
                latencies.append((arrived - started) * 1000)
                after_response.append((arrived - answered) * 1000)
            rounds = await _rounds(http, url) - rounds_before
            for c in range(n):
                await sessions[c % len(sessions)].complete(f"cart-{c}")
            await asyncio.sleep(SETTLE_S)

            await _open(sessions, OFFER, "offer", n)
            conn = await asyncpg.connect(dsn)
            try:
                changed = time.perf_counter()
                await conn.execute(CATALOG_CHANGE)
            finally:
                await conn.close()
            for c in range(n):
                message = await sessions[c % len(sessions)].message(f"offer-{c}", 30)
                if message["payload"]["data"]["personalizedOfferChanged"]["offers"] != []:
                    raise RuntimeError(f"live: offer-{c} still has an offer: {message}")
            fanout_s = time.perf_counter() - changed
        finally:
            for manager in managers:
                await manager.__aexit__(None, None, None)
    return {
        "live_subscribers": n,
        "live_connections": options.connections,
        "live_redemptions": redemptions,
        "live_idle_rss_kb_before": round(idle_before),
        "live_idle_rss_kb_after": round(idle_after),
        "live_idle_kb_per_subscription": round((idle_after - idle_before) / n, 1),
        "live_p50_ms": round(statistics.median(latencies), 1),
        "live_p99_ms": round(_percentile(latencies, 0.99), 1),
        "live_after_response_p99_ms": round(_percentile(after_response, 0.99), 1),
        "live_stray_rounds": round(rounds - redemptions),
        "live_catalog_fanout_s": round(fanout_s, 3),
    }


def run_live(server_dsn: str, workdir: Path, options: LiveOptions, log: Log) -> Figures:
    """The phase: its database, one pinned gateway worker, the figures; the database dropped.

    ``server_dsn``: any database of the server (the phase's own is made beside it).
    """
    from bench.run import gateway_env, hello_body, start_gateway

    database = f"gateway_bench_live_{os.getpid()}"
    log(f"live updates: {options.subscribers:,} subscriptions of each kind on one worker ...")
    token = asyncio.run(prepare_database(server_dsn, database, options.subscribers))
    dsn = dsn_with_database(server_dsn, database)
    try:
        env = {
            **gateway_env(dsn, workdir),
            "GATEWAY_SUBSCRIPTIONS_PER_KEY": str(2 * options.subscribers),
        }
        headers = {"Authorization": f"Bearer {token}"}
        with start_gateway(workdir, env, workers=1, core="0") as server:
            server.wait_ready(hello_body(), headers, timeout_s=60)
            return asyncio.run(
                measure(server.url(), lambda: server.rss_tree_mb() * 1024, dsn, token, options)
            )
    finally:
        asyncio.run(drop_database(server_dsn, database))


def main() -> None:
    """``python -m bench.live``: the phase alone, its figures as JSON."""
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    options = LiveOptions(subscribers=int(os.environ.get("LIVE_SUBSCRIBERS", "1000")))
    with tempfile.TemporaryDirectory(prefix="gateway-bench-live-") as workdir:
        figures = run_live(
            server, Path(workdir), options, lambda line: print(line, file=sys.stderr)
        )
    json.dump(figures, sys.stdout, indent=2)
    print()


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
