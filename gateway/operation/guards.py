"""What surrounds every operation, on the compiled path and on graphql-core's alike.

Before execution: the router-scope check, the primary for mutations, the response cache's view
of the operation. After it: metrics, the request's cache tags, ``sqlRoundTrips``.
"""

from __future__ import annotations

import time
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.types.graphql import OperationType

from gateway.auth.principal import Scope
from gateway.cache.tags import is_cacheable_selection
from gateway.observability.metrics import SQL_ROUND_TRIPS, error_series, operation_series
from gateway.operation.identity_cache import IdentityMemo
from gateway.operation.router_scope import ROUTER_FIELDS, root_field_names

_cached_root_fields: IdentityMemo[DocumentNode, set[str]] = IdentityMemo(
    root_field_names, maxsize=1024
)


def before_execution(
    context: Any, operation_type: OperationType, document: DocumentNode
) -> GraphQLError | None:
    """Prepare ``context`` for the operation; an error when its key may not run it.

    A key without the ``router`` scope may not select ``_entities`` or ``_service``. A mutation
    reads and writes on the primary; a cacheable query whose replica snapshot is not checked
    reads there too.
    """
    db = getattr(context, "db", None)
    if operation_type is OperationType.MUTATION and db is not None:
        db.use_primary()  # read-your-writes: no replica lag inside a mutation
    principal = getattr(context, "principal", None)
    if principal is not None and Scope.ROUTER not in principal.scopes:
        forbidden = sorted(_cached_root_fields(document) & ROUTER_FIELDS)
        if forbidden:
            return GraphQLError(
                f"{forbidden[0]}: this API key lacks the 'router' scope",
                extensions={"code": "FORBIDDEN"},
            )
    tags = getattr(context, "cache", None)
    if tags is not None:
        if operation_type is OperationType.MUTATION:
            tags.mutated = True
        elif operation_type is OperationType.QUERY:
            tags.cacheable = is_cacheable_selection(_cached_root_fields(document))
            if tags.cacheable and tags.active and db is not None and not db.checks_replica:
                # A replica read whose snapshot is not checked may lag behind the
                # notifications: an answer stored under fresh generations must be read
                # from the primary.
                db.use_primary()
    return None


def after_operation(
    context: Any, operation_name: str | None, errors: list[GraphQLError] | None, started: float
) -> None:
    """Metrics of one operation, and its outcome for the response cache."""
    series = operation_series(operation_name)
    series.latency.observe(time.perf_counter() - started)
    (series.error if errors else series.ok).inc()
    for error in errors or ():
        error_series(str((error.extensions or {}).get("code", "UNKNOWN"))).inc()
    db = getattr(context, "db", None)
    if db is not None:
        SQL_ROUND_TRIPS.observe(db.round_trips.count)
    tags = getattr(context, "cache", None)
    if tags is not None:
        tags.operations += 1
        tags.ok = not errors


def round_trips(context: Any) -> dict[str, Any]:
    """``{"sqlRoundTrips": n}`` for the request so far (development answers carry it)."""
    db = getattr(context, "db", None)
    return {"sqlRoundTrips": db.round_trips.count} if db is not None else {}
