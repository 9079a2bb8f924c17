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
from collections.abc import Set
from typing import Protocol

import asyncpg

from gateway.db.freshness import ReplicaFreshness
from gateway.db.pool import UNAVAILABLE_ERRORS
from gateway.db.request import RequestDb
from gateway.db.snapshot import NEVER, Snapshot
from gateway.observability.metrics import REPLICA_READS


class ReadFacts(Protocol):
    """What a request read and wrote, as recorded by its resolvers (``gateway.cache.tags``)."""

    @property
    def cacheable(self) -> bool:
        """Its root fields record every customer and promotion they read."""

    @property
    def customers(self) -> Set[str]:
        """The customers it read."""

    @property
    def promotions(self) -> Set[str]:
        """The promotions whose shared counters it read."""

    @property
    def written_customers(self) -> Set[str]:
        """The customers its mutations wrote."""

    @property
    def written_promotions(self) -> Set[str]:
        """The promotions its mutations wrote."""


# The primary's snapshot: every transaction committed before the call is visible in it.
PRIMARY_SNAPSHOT = "SELECT pg_current_snapshot()::text"


def is_batch(body: bytes) -> bool:
    """A JSON list of operations (which may hold a mutation): routed to the primary whole."""
    return body.lstrip()[:1] == b"["


def reads_replica(fresh: ReplicaFreshness, body: bytes) -> bool:
    """Whether a request with this body reads the replica (POST body; ``b""`` for GET)."""
    return fresh.ready and not is_batch(body)


def answer_stands(fresh: ReplicaFreshness, db: RequestDb, tags: ReadFacts) -> bool:
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


async def remember_writes(pool: asyncpg.Pool, fresh: ReplicaFreshness, tags: ReadFacts) -> None:
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
