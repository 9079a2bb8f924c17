"""The executable schema: the API's types (``gateway.schema``) with the operation layer around them.

``build_schema`` is the one place the engine is wired in: ``OperationSchema.execute`` runs an
operation from its compiled plan (``gateway.operation.compiled``) and hands what plans do not
cover to strawberry and graphql-core, whose path also serves as the reference
(``GATEWAY_COMPILED_EXECUTION=0``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.federation import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.live.executor import LiveExecutor
from gateway.observability.tracing import tracing_extensions
from gateway.operation.compiled import CompiledOperations
from gateway.operation.extension import gateway_extension
from gateway.schema import FEDERATION_VERSION, SCHEMA_TYPES, Query, Subscription, mutation_type
from gateway.schema.federation import GatewaySchema
from gateway.settings import Settings

_ALL_OPERATION_TYPES = frozenset(OperationType)


class OperationSchema(GatewaySchema):
    """The gateway's schema: ``execute`` runs compiled plans when it can."""

    def __init__(self, *args: Any, settings: Settings, compiled: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compiled = CompiledOperations(self, settings) if compiled else None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run one operation: from its plan, or on graphql-core when plans do not cover it.

        Example (in a coroutine, ``ctx`` from ``gateway.context.build_context``)::

            result = await build_schema().execute("{ __typename }", context_value=ctx)
        """
        allowed = (
            _ALL_OPERATION_TYPES
            if allowed_operation_types is None
            else frozenset(allowed_operation_types)
        )
        if self.compiled is not None:
            result = await self.compiled.execute(
                query, variable_values, context_value, root_value, operation_name, allowed
            )
            if result is not None:
                return result  # type: ignore[return-value]  # an incremental one as strawberry
        return await super().execute(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=allowed,
            operation_extensions=operation_extensions,
        )


def build_schema(
    settings: Settings | None = None,
    *,
    tracer_provider: Any | None = None,
    compiled: bool | None = None,
) -> OperationSchema:
    """The schema with the extensions ``settings`` call for.

    ``compiled`` (default: ``settings.compiled_execution``) runs operations from compiled
    plans; traced schemas always run on graphql-core, whose resolver spans tracing records.
    Development mode adds ``extensions.sqlRoundTrips`` to every response.

    >>> build_schema().compiled is not None
    True
    """
    settings = settings or Settings()
    tracing = tracing_extensions(settings, tracer_provider)
    if compiled is None:
        compiled = settings.compiled_execution
    return OperationSchema(
        query=Query,
        mutation=mutation_type(),
        subscription=Subscription,
        types=SCHEMA_TYPES,
        extensions=[gateway_extension(settings), *tracing],
        # Subscription events memoize apart (graphql-core's copies grew one shared memo).
        execution_context_class=LiveExecutor,
        federation_version=FEDERATION_VERSION,
        max_entities=settings.max_entities,
        # @defer / @stream (graphql-core 3.3's incremental execution): see docs/frontends.md.
        config=StrawberryConfig(enable_experimental_incremental_execution=True),
        settings=settings,
        compiled=compiled and not tracing,
    )


def export_sdl(schema: Schema) -> str:
    """The SDL written to ``schema.graphql`` (what ``gateway export-schema`` prints).

    >>> export_sdl(build_schema()).startswith("schema @link")
    True
    """
    return schema.as_str()
