"""Prometheus metrics: requests and latency by operation, errors by code, SQL, pool, evaluator."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

REQUESTS = Counter(
    "gateway_graphql_requests_total", "GraphQL operations served.", ["operation", "outcome"]
)
LATENCY = Histogram(
    "gateway_graphql_request_seconds",
    "Time to execute a GraphQL operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
OPERATION_PATHS = Counter(
    "gateway_operation_paths_total",
    "Operations by how they ran: compiled plans, or graphql-core (fallback).",
    ["path"],
)
ERRORS = Counter("gateway_graphql_errors_total", "GraphQL errors by extensions.code.", ["code"])
SQL_ROUND_TRIPS = Histogram(
    "gateway_sql_round_trips",
    "SQL round trips per GraphQL operation.",
    buckets=(0, 1, 2, 3, 4, 6, 10),
)
SHED = Counter(
    "gateway_shed_requests_total", "Requests refused with 503 OVERLOADED (worker at capacity)."
)
ADMISSION_BOUND = Gauge(
    "gateway_admission_bound",
    "Requests a worker admits at once now: GATEWAY_MAX_IN_FLIGHT, lowered while its event loop "
    "runs late.",
)
RATE_LIMITED = Counter(
    "gateway_rate_limited_requests_total", "Requests refused with 429 RATE_LIMITED."
)


class Tally:
    """A gauge's value kept as a plain int, read when /metrics is scraped.

    Moved twice per SQL statement: a ``Gauge.inc`` takes a lock each time, a tally is an
    attribute write.

    >>> from prometheus_client import CollectorRegistry
    >>> tally = Tally("example_in_use", "Things in use.", registry=CollectorRegistry())
    >>> tally.value += 2
    >>> tally.gauge.collect()[0].samples[0].value
    2.0
    """

    __slots__ = ("gauge", "value")

    def __init__(
        self, name: str, documentation: str, registry: CollectorRegistry = REGISTRY
    ) -> None:
        self.value = 0
        self.gauge = Gauge(name, documentation, registry=registry)
        self.gauge.set_function(lambda: self.value)


POOL_IN_USE = Tally("gateway_pool_in_use", "Database connections checked out.")
POOL_WAITING = Tally("gateway_pool_waiting", "Requests waiting for a database connection.")
EVALUATOR_SECONDS = Histogram(
    "gateway_evaluator_seconds",
    "Time the offer evaluator takes for one decision.",
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01),
)

CACHE_HITS = Counter("gateway_response_cache_hits_total", "Responses served from the cache.")
CACHE_MISSES = Counter(
    "gateway_response_cache_misses_total", "Cacheable requests the cache could not answer."
)
CACHE_STORES = Counter("gateway_response_cache_stores_total", "Responses stored in the cache.")
CACHE_BYTES = Gauge(
    "gateway_response_cache_bytes", "Bytes the response cache holds (bodies and their tags)."
)
CACHE_ENTRIES = Gauge("gateway_response_cache_entries", "Answers the response cache holds.")
CACHE_INVALIDATIONS = Counter(
    "gateway_response_cache_invalidations_total",
    "Generation bumps (notifications and this worker's writes), by scope.",
    ["scope"],
)
REPLICA_READS = Counter(
    "gateway_replica_reads_total",
    "Read requests that reached the database (cache misses), by who answered: `replica` (its "
    "snapshot showed every write that concerns the answer), `redone` (it did not: read again "
    "on the primary), `primary` (sent there directly: change listener down, or a batch).",
    ["outcome"],
)

# Operation names come from clients: keep the label set bounded.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_NAMES = 200
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded metric label for a client-chosen operation name."""
    if not name:
        return "anonymous"
    if name in _seen_names:
        return name
    if not _NAME.match(name) or len(_seen_names) >= _MAX_NAMES:
        return "other"
    _seen_names.add(name)
    return name


class OperationSeries(NamedTuple):
    """One operation label's series, looked up once (``labels()`` costs a lock and a tuple)."""

    latency: Any
    ok: Any
    error: Any


_series: dict[str, OperationSeries] = {}
_error_series: dict[str, Any] = {}


def operation_series(name: str | None) -> OperationSeries:
    """The latency and outcome series of an operation name (its bounded label's).

    >>> operation_series("Cart") is operation_series("Cart")
    True
    """
    label = operation_label(name)
    series = _series.get(label)
    if series is None:
        series = OperationSeries(
            LATENCY.labels(label), REQUESTS.labels(label, "ok"), REQUESTS.labels(label, "error")
        )
        _series[label] = series
    return series


def error_series(code: str) -> Any:
    """The errors counter of one code (codes are the service's own: a bounded set)."""
    series = _error_series.get(code)
    if series is None:
        series = ERRORS.labels(code)
        if len(_error_series) < _MAX_NAMES:
            _error_series[code] = series
    return series
