"""Replica reads around one HTTP request: where it reads, whether its answer stands, own writes.

The rule (docs/scaling.md): a read request goes to the replica while the change listener is up;
every replica statement returns its snapshot; when the request is done, the answer stands if
every one of those snapshots shows every write that concerns what it read (the customers and
promotions in its cache tags, and every catalog-wide change; every write at all for fields that
do not record their reads); otherwise the request is run again on the primary. Mutations, and
batches (which may hold one), use the primary only. After a mutation the worker takes the
primary's snapshot, so this worker's next reads of what the mutation wrote wait for a
replica that shows it (read-your-writes).
"""

from __future__ import annotations

import contextlib
import dataclasses

import asyncpg

from gateway.cache.replica_freshness import ReplicaFreshness
from gateway.cache.snapshot import NEVER, Snapshot
from gateway.cache.tags import CacheTags
from gateway.db import UNAVAILABLE_ERRORS, RequestDb
from gateway.observability.metrics import REPLICA_READS

# The primary's snapshot: every transaction committed before the call is visible in it.
PRIMARY_SNAPSHOT = "SELECT pg_current_snapshot()::text"


def is_batch(body: bytes) -> bool:
    """A JSON list of operations (which may hold a mutation): routed to the primary whole."""
    return body.lstrip()[:1] == b"["


def answer_stands(fresh: ReplicaFreshness, db: RequestDb, tags: CacheTags) -> bool:
    """Count a finished read request; False when its replica answer must be redone on the primary.

    Example::

        if not answer_stands(freshness, ctx.db, tags): ...  # run again on the primary
    """
    if db.replica_reads == 0:
        if db.round_trips.count:
            REPLICA_READS.labels("primary").inc()
        return True
    snapshot = db.replica_snapshot
    # Only the cacheable root fields record every customer and promotion they read; for the
    # others, every write so far must be visible.
    if snapshot is not None and (
        fresh.shows(tags.customers, tags.promotions, snapshot)
        if tags.cacheable
        else fresh.shows_everything(snapshot)
    ):
        REPLICA_READS.labels("replica").inc()
        return True
    REPLICA_READS.labels("redone").inc()
    return False


def restarted(tags: CacheTags) -> CacheTags:
    """Tags for running a request again: what it read is forgotten, its start is kept."""
    return dataclasses.replace(
        CacheTags(),
        start_sequence=tags.start_sequence,
        global_generation=tags.global_generation,
        active=tags.active,
    )


async def remember_writes(pool: asyncpg.Pool, fresh: ReplicaFreshness, tags: CacheTags) -> None:
    """After a mutation: its keys need a replica snapshot showing the primary's now (1 trip).

    When the primary cannot be asked, the keys read the primary until the listener reconnects.
    """
    after: Snapshot | None = None
    with contextlib.suppress(*UNAVAILABLE_ERRORS, asyncpg.PostgresError):
        after = Snapshot.parse(str(await pool.fetchval(PRIMARY_SNAPSHOT, timeout=2)))
    if after is None and not (tags.written_customers or tags.written_promotions):
        fresh.disconnected()  # nothing named and nothing known: no replica answer until reconnect
        return
    fresh.wrote(tags.written_customers, tags.written_promotions, after or NEVER)
