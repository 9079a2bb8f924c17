"""The schema can be distributed by customer_id (Citus) without rewrites, as docs/scaling.md says.

Read from pg_catalog after every migration: each customer-scoped table (one with a
``customer_id`` column) has ``customer_id`` first in its primary key, in every unique constraint
or index, and in every foreign key to another customer-scoped table; no other table references a
customer-scoped one (a reference table cannot point into a distributed one). The docs' SQL
distributes exactly the customer-scoped tables, and names every other table as a reference table
or one that stays on the coordinator.
"""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

SCALING_DOC = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"

TABLES = """
SELECT c.relname AS name,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                  AND NOT a.attisdropped AND a.attname = 'customer_id') AS customer_scoped
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""

# Primary keys, unique constraints and unique indexes, foreign keys: their column lists, in order.
KEYS = """
SELECT con.conrelid::regclass::text AS on_table, con.contype::text AS kind, con.conname AS name,
       con.confrelid::regclass::text AS references,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
              ORDER BY k.pos) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
              ORDER BY k.pos) AS referenced_columns
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
 WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f')
UNION ALL
SELECT i.indrelid::regclass::text, 'i', i.indexrelid::regclass::text, '-',
       ARRAY(SELECT coalesce(a.attname::text, '<expression>')
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, pos)
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
              ORDER BY k.pos),
       ARRAY[]::text[]
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND i.indisunique
"""


async def _schema(dsn: str) -> tuple[set[str], set[str], list[asyncpg.Record]]:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(TABLES)
        keys = await conn.fetch(KEYS)
    finally:
        await conn.close()
    customer = {t["name"] for t in tables if t["customer_scoped"]}
    return {t["name"] for t in tables}, customer, keys


async def test_customer_scoped_tables_lead_every_key_with_customer_id(database_dsn: str) -> None:
    _, customer_tables, keys = await _schema(database_dsn)
    assert {"customers", "redemptions", "offer_events"} <= customer_tables

    with_primary_key = {k["on_table"] for k in keys if k["kind"] == "p"}
    problems = [f"{t}: no primary key" for t in sorted(customer_tables - with_primary_key)]
    for key in keys:
        table, columns = key["on_table"], list(key["columns"])
        unique = key["kind"] in ("p", "u", "i")
        if table in customer_tables and unique and columns[:1] != ["customer_id"]:
            problems.append(f"{table}.{key['name']} {columns}: customer_id not first")
        if key["kind"] == "f" and key["references"] in customer_tables:
            if table not in customer_tables:
                problems.append(f"{table}.{key['name']}: points into customer table")
            elif columns[:1] != ["customer_id"] or key["referenced_columns"][:1] != ["customer_id"]:
                problems.append(f"{table}.{key['name']} {columns}: not by customer_id first")
    assert problems == []


async def test_the_docs_place_every_table(database_dsn: str) -> None:
    tables, customer_tables, _ = await _schema(database_dsn)
    doc = SCALING_DOC.read_text()
    distributed = set(re.findall(r"create_distributed_table\('(\w+)', 'customer_id'", doc))
    reference = set(re.findall(r"create_reference_table\('(\w+)'\)", doc))
    [coordinator_line] = re.findall(r"-- stay on the coordinator: (.+)", doc)
    coordinator = {name.strip() for name in coordinator_line.split(",")}

    assert distributed == customer_tables
    assert reference.isdisjoint(customer_tables) and coordinator.isdisjoint(customer_tables)
    assert distributed | reference | coordinator == tables
