"""Build the benchmark database, or reuse it when its marker row says it has the same shape.

Big tables are written with COPY (``copy_records_to_table``); the offers catalog goes through the
offers loader, which validates every audience rule. Usage counters are computed from the ledger
with the ``restriction_usage_from_ledger`` view, so they agree with it by construction.

Example, in a coroutine::

    built = await ensure_dataset(server_dsn, "gateway_bench", Shape.at(0.01))
    built.reused, built.seconds
    # -> (False, 4.2)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson

from bench import customer_rows, promotion_rows
from bench.offer_catalog import catalog
from bench.shape import Shape
from gateway import migrations
from gateway.catalog.load import apply_catalog
from gateway.cli.connect import connect
from gateway.observability.progress import progress
from gateway.offers.catalog_spec import parse_catalog

logger = logging.getLogger("gateway")

_MARKER = """
CREATE TABLE IF NOT EXISTS bench_dataset (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    parameters    jsonb NOT NULL,
    build_seconds double precision NOT NULL,
    built_at      timestamptz NOT NULL DEFAULT now()
)
"""

_COUNTERS = """
INSERT INTO promotion_restriction_usage (restriction_id, used)
SELECT restriction_id, used FROM restriction_usage_from_ledger WHERE customer_id IS NULL;
INSERT INTO customer_restriction_usage (customer_id, restriction_id, scope_key, used)
SELECT customer_id, restriction_id, scope_key, used
FROM restriction_usage_from_ledger WHERE customer_id IS NOT NULL;
"""


@dataclass(frozen=True)
class DatasetInfo:
    """The dataset in use: where, what shape, whether it was reused, how long building took."""

    dsn: str
    shape: Shape
    reused: bool
    seconds: float
    row_counts: Mapping[str, int]


def dsn_with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at ``database`` (host, port, socket directory and options kept).

    >>> dsn_with_database("postgresql://postgres@127.0.0.1:5432/postgres", "gateway_bench")
    'postgresql://postgres@127.0.0.1:5432/gateway_bench'
    """
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


async def ensure_dataset(
    server_dsn: str, database: str, shape: Shape, *, rebuild: bool = False
) -> DatasetInfo:
    """The dataset of ``shape`` in ``database`` on ``server_dsn``'s server, built if needed."""
    dsn = dsn_with_database(server_dsn, database)
    if not rebuild:
        stored = await _stored_parameters(server_dsn, database)
        if stored is not None and stored[0] == shape.as_dict():
            return DatasetInfo(dsn, shape, True, stored[1], await row_counts(dsn))
    started = time.perf_counter()
    await _recreate(server_dsn, database)
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        await load(conn, shape)
        seconds = time.perf_counter() - started
        await conn.execute(
            "INSERT INTO bench_dataset (parameters, build_seconds) VALUES ($1::jsonb, $2)",
            orjson.dumps(shape.as_dict()).decode(),
            seconds,
        )
    finally:
        await conn.close()
    return DatasetInfo(dsn, shape, False, seconds, await row_counts(dsn))


async def load(conn: asyncpg.Connection, shape: Shape) -> None:
    """Write the whole dataset into a migrated, empty database (then ANALYZE it).

    Progress (customers done, rows written, rate, time left) goes to standard error.
    """
    await conn.execute(_MARKER)
    await _copy(conn, customer_rows.reference_rows().tables, customer_rows.COLUMNS)
    rows = 0
    with progress("dataset: customers", shape.customers, "customers") as bar:
        for chunk in customer_rows.customer_rows(shape):
            rows += await _copy(conn, chunk.tables, customer_rows.COLUMNS)
            bar.advance(len(chunk.tables.get("customers", ())), rows=rows)
    with progress("dataset: catalog", 2, "steps") as bar:
        bar.note(f"{shape.plays:,} plays")
        await apply_catalog(conn, parse_catalog(catalog(shape)))
        bar.advance()
        bar.note(f"{shape.issued_promotions:,} promotions")
        await _copy(conn, promotion_rows.catalog_rows(shape), promotion_rows.COLUMNS)
        bar.advance()
    rows = 0
    with progress("dataset: promotions held, redemptions", shape.customers, "customers") as bar:
        done = 0
        for chunk_rows in promotion_rows.customer_promotion_rows(shape):
            rows += await _copy(conn, chunk_rows, promotion_rows.COLUMNS)
            customers = min(shape.customers, done + promotion_rows.CUSTOMERS_PER_CHUNK) - done
            done += customers
            bar.advance(customers, rows=rows)
    with progress("dataset: usage counters, statistics", 2, "steps") as bar:
        bar.note("usage counters from the ledger")
        await conn.execute(_COUNTERS)
        bar.advance()
        bar.note("ANALYZE")
        await conn.execute("ANALYZE")
        bar.advance()


async def _copy(
    conn: asyncpg.Connection,
    tables: Mapping[str, Sequence[tuple[object, ...]]],
    columns: Mapping[str, tuple[str, ...]],
) -> int:
    """COPY every table's rows; the number of rows written."""
    written = 0
    for table, rows in tables.items():
        if rows:
            await conn.copy_records_to_table(table, records=rows, columns=list(columns[table]))
            written += len(rows)
    return written


async def _stored_parameters(server_dsn: str, database: str) -> tuple[object, float] | None:
    admin = await connect(server_dsn)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
    finally:
        await admin.close()
    if not exists:
        return None
    conn = await asyncpg.connect(dsn_with_database(server_dsn, database))
    try:
        if not await conn.fetchval("SELECT to_regclass('bench_dataset') IS NOT NULL"):
            return None
        row = await conn.fetchrow("SELECT parameters::text AS p, build_seconds FROM bench_dataset")
        if row is None or await migrations.pending(conn):
            return None
        return orjson.loads(row["p"]), float(row["build_seconds"])
    finally:
        await conn.close()


async def _recreate(server_dsn: str, database: str) -> None:
    admin = await asyncpg.connect(server_dsn)
    try:
        quoted = '"' + database.replace('"', '""') + '"'
        await admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {quoted}")
    finally:
        await admin.close()


COUNTED_TABLES = (
    "customers", "customer_brands", "subscriptions", "end_users", "customer_attributes",
    "loyalty_memberships", "plays", "offers", "promotions", "promotion_restrictions",
    "customer_promotions", "redemptions", "customer_restriction_usage",
    "promotion_restriction_usage",
)  # fmt: skip


async def row_counts(dsn: str) -> dict[str, int]:
    """Exact row counts of the dataset's main tables."""
    conn = await asyncpg.connect(dsn)
    try:
        # Table names come from the constant above, never from input.
        return {
            table: int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in COUNTED_TABLES
        }
    finally:
        await conn.close()
