"""The database, below the domains: the pool, per-request access, and replica routing.

- ``pool``: the asyncpg pool, its codecs, and the errors that mean "the database is away".
- ``request``: ``RequestDb``, a request's access (counted round trips, replica reads checked).
- ``snapshot``: PostgreSQL snapshots, and the statement wrapper that returns one with each read.
- ``freshness``: which writes a replica read must already show (fed by the change listener).
- ``replica_reads``: the entry point of replica routing around one request: where it reads,
  whether its answer stands, and this worker's own writes.

Nothing here imports a layer above (``lint-imports`` holds it).
"""

from gateway.db.pool import (
    LOST_CONNECTION_ERRORS,
    UNAVAILABLE_ERRORS,
    Connection,
    Record,
    create_pool,
)
from gateway.db.request import CountingConnection, RequestDb, RoundTrips

__all__ = [
    "LOST_CONNECTION_ERRORS",
    "UNAVAILABLE_ERRORS",
    "Connection",
    "CountingConnection",
    "Record",
    "RequestDb",
    "RoundTrips",
    "create_pool",
]
