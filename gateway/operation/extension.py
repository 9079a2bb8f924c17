"""One schema extension for everything the gateway adds around an operation.

Parse and validation caches, query limits, the router scope guard, error codes and masking,
metrics and the ``sqlRoundTrips`` figure all run in a single extension: strawberry wraps every
hook of every extension on every request, so one extension costs far less than eight.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, ExperimentalIncrementalExecutionResults, GraphQLError, parse
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.auth.principal import Scope
from gateway.cache.tags import is_cacheable_selection
from gateway.execution.identity_cache import IdentityMemo
from gateway.observability.metrics import (
    ERRORS,
    LATENCY,
    REQUESTS,
    SQL_ROUND_TRIPS,
    operation_label,
)
from gateway.operation.error_codes import classify
from gateway.operation.query_limits import limit_rules
from gateway.operation.router_scope import ROUTER_FIELDS, root_field_names
from gateway.settings import Settings

CACHE_SIZE = 1024

# Shared by every schema: keyed by the query text (and token limit) / by the parsed document,
# which the parse cache hands out once per text (so by identity: see identity_cache).
_cached_parse = lru_cache(maxsize=CACHE_SIZE)(parse)
_cached_validate: IdentityMemo[DocumentNode, list[GraphQLError]] = IdentityMemo(
    lambda document, schema, rules: validate_document(schema, document, rules),
    maxsize=CACHE_SIZE,
)
_cached_root_fields: IdentityMemo[DocumentNode, set[str]] = IdentityMemo(
    root_field_names, maxsize=CACHE_SIZE
)


def gateway_extension(settings: Settings) -> Callable[[], SchemaExtension]:
    """A factory of the gateway's extension, configured for ``settings``.

    >>> Schema(query=Query, extensions=[gateway_extension(settings)])
    """
    rules = tuple(limit_rules(settings))
    if settings.is_production:
        # The router still reads `_service { sdl }`: this rule leaves it alone.
        rules += (NoSchemaIntrospectionCustomRule,)
    max_tokens = settings.max_query_tokens
    report_round_trips = not settings.is_production

    class GatewayExtension(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            context = self.execution_context
            context.parse_options["max_tokens"] = max_tokens
            context.validation_rules = context.validation_rules + rules
            yield
            result = context.result
            if isinstance(result, ExperimentalIncrementalExecutionResults):
                # @defer / @stream: the initial part; the HTTP layer codes the later parts' errors.
                result = result.initial_result
            errors = result.errors if result is not None else None
            if result is not None and errors:
                errors = result.errors = [classify(error) for error in errors]
            label = operation_label(context.operation_name)
            LATENCY.labels(label).observe(time.perf_counter() - started)
            REQUESTS.labels(label, "error" if errors else "ok").inc()
            for error in errors or ():
                ERRORS.labels(str((error.extensions or {}).get("code", "UNKNOWN"))).inc()
            db = getattr(context.context, "db", None)
            if db is not None:
                SQL_ROUND_TRIPS.observe(db.round_trips.count)
            tags = getattr(context.context, "cache", None)
            if tags is not None:
                tags.operations += 1
                tags.ok = result is not None and not errors

        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            if context.query is not None:
                context.graphql_document = _cached_parse(context.query, max_tokens=max_tokens)
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            if context.graphql_document is not None:
                context.pre_execution_errors = _cached_validate(
                    context.graphql_document, context.schema._schema, context.validation_rules
                )
            yield

        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            if context.operation_type is OperationType.MUTATION:
                db = getattr(context.context, "db", None)
                if db is not None:
                    db.use_primary()  # read-your-writes: no replica lag inside a mutation
            principal = getattr(context.context, "principal", None)
            document = context.graphql_document
            if (
                principal is not None
                and document is not None
                and Scope.ROUTER not in principal.scopes
            ):
                forbidden = sorted(_cached_root_fields(document) & ROUTER_FIELDS)
                if forbidden:
                    error = GraphQLError(
                        f"{forbidden[0]}: this API key lacks the 'router' scope",
                        extensions={"code": "FORBIDDEN"},
                    )
                    context.result = ExecutionResult(data=None, errors=[error])
            tags = getattr(context.context, "cache", None)
            if tags is not None and document is not None:
                if context.operation_type is OperationType.MUTATION:
                    tags.mutated = True
                elif context.operation_type is OperationType.QUERY:
                    tags.cacheable = is_cacheable_selection(_cached_root_fields(document))
                    db = getattr(context.context, "db", None)
                    if tags.cacheable and tags.active and db is not None and not db.checks_replica:
                        # A replica read whose snapshot is not checked may lag behind the
                        # notifications: an answer stored under fresh generations must be read
                        # from the primary.
                        db.use_primary()
            yield

        def get_results(self) -> dict[str, Any]:
            if not report_round_trips:
                return {}
            db = getattr(self.execution_context.context, "db", None)
            return {"sqlRoundTrips": db.round_trips.count} if db is not None else {}

    return GatewayExtension
