"""The benchmark dataset at a tiny scale: expected row counts, through every real constraint."""

from __future__ import annotations

import logging

import asyncpg
import orjson
import pytest

from bench.dataset import load, row_counts
from bench.shape import Shape
from gateway import migrations
from gateway.evaluator import compile_audience

SHAPE = Shape(customers=30, plays=12, ledger_rows=75)


async def test_tiny_dataset_has_the_expected_rows(
    empty_database_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.progress")  # not a terminal: logged lines
    conn = await asyncpg.connect(empty_database_dsn)
    try:
        await migrations.migrate(conn)
        await load(conn, SHAPE)  # foreign keys and checks enforced: COPY fails on a bad row
        audiences = await conn.fetch("SELECT audience::text AS a FROM plays")
        mismatched = await conn.fetchval(
            """
            SELECT count(*) FROM restriction_usage_from_ledger v
            LEFT JOIN customer_restriction_usage c
                   ON c.customer_id = v.customer_id AND c.restriction_id = v.restriction_id
                  AND c.scope_key = v.scope_key
            LEFT JOIN promotion_restriction_usage p
                   ON v.customer_id IS NULL AND p.restriction_id = v.restriction_id
            WHERE coalesce(c.used, p.used) IS DISTINCT FROM v.used
            """
        )
        per_customer = await conn.fetch(
            "SELECT count(*) AS n FROM customer_promotions GROUP BY customer_id"
        )
        levels = {
            r["level"]
            for r in await conn.fetch("SELECT DISTINCT level::text FROM promotion_restrictions")
        }
    finally:
        await conn.close()
    counts = await row_counts(empty_database_dsn)
    assert counts["customers"] == 30
    assert counts["plays"] == 12
    assert counts["redemptions"] == 75
    assert counts["customer_promotions"] == 300
    assert counts["end_users"] == 60
    assert counts["customer_attributes"] == 90
    assert counts["subscriptions"] == 30 + 6  # one in five customers has a second brand
    assert {r["n"] for r in per_customer} == {10}
    assert levels == {"cart", "customer", "promotion", "product", "category"}
    assert counts["customer_restriction_usage"] > 0
    assert mismatched == 0  # counters agree with the ledger
    for row in audiences:
        compile_audience(orjson.loads(row["a"]))  # every stored rule compiles

    shown = [r.getMessage() for r in caplog.records if r.name == "gateway.progress"]
    assert "dataset: customers: 30 customers to do" in shown
    assert any(line.startswith("dataset: customers: 30 customers, ") for line in shown)
    assert any(
        line.startswith("dataset: promotions held, redemptions: 30 customers, ") for line in shown
    )


def test_shape_scales_every_count() -> None:
    small = Shape.at(0.01)
    assert (small.customers, small.plays, small.ledger_rows) == (1000, 20, 10_000)
    full = Shape.at(1.0)
    assert (full.customers, full.plays, full.ledger_rows) == (100_000, 2_000, 1_000_000)
