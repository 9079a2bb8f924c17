"""Operations run from compiled plans: parse, limits, validation and plans cached per document.

Per request only what depends on the request runs: the variables are coerced, the plan for their
``@include`` / ``@skip`` / ``@defer`` values is looked up, and the plan is run
(``gateway.execution``). A deferred answer is graphql-core's incremental result (its initial part
now, the later parts as they come). ``execute`` returns None for what plans do not cover
(introspection, ``@stream``, subscriptions): the caller then runs the operation on graphql-core.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    OperationDefinitionNode,
    get_operation_ast,
)
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.execution import OperationPlan, Unsupported, compile_operation, describe
from gateway.execution.compiler import NullDeferCondition, condition_values, conditions
from gateway.execution.deferral import incremental_result, later_work
from gateway.execution.internals import graphql_schema
from gateway.execution.runner import Run
from gateway.execution.variables import VariableCoercer
from gateway.observability.metrics import OPERATION_PATHS
from gateway.operation.documents import (
    CACHE_SIZE,
    Validation,
    parse_document,
    quiet_coercion_error,
)
from gateway.operation.error_codes import Stage, classify, coded
from gateway.operation.guards import after_operation, before_execution, round_trips
from gateway.operation.identity_cache import IdentityMemo
from gateway.settings import Settings

# Most plans one operation keeps, one per combination of its variable @include / @skip values.
MAX_PLANS_PER_OPERATION = 16
# The two series of the operation-path metric, looked up once.
COMPILED = OPERATION_PATHS.labels("compiled")
FALLBACK = OPERATION_PATHS.labels("fallback")


@dataclass(eq=False)
class Planned:
    """One operation of a document and its plans, built on first use."""

    operation: OperationDefinitionNode
    operation_type: OperationType
    conditions: tuple[DirectiveNode, ...]
    coerce_variables: VariableCoercer
    unsupported: str | None = None
    plans: dict[tuple[bool, ...], OperationPlan] = field(default_factory=dict)


class CompiledOperations:
    """The compiled path of one schema (see the module's docstring)."""

    def __init__(self, strawberry_schema: Any, settings: Settings) -> None:
        self.strawberry_schema = strawberry_schema
        self.schema = graphql_schema(strawberry_schema)
        self.settings = settings
        self.max_tokens = settings.max_query_tokens
        self.hide_suggestions = settings.is_production
        self.report_round_trips = not settings.is_production
        self.validation = Validation(self.schema, settings)
        self._operations: IdentityMemo[DocumentNode, Planned | None] = IdentityMemo(
            self._planned, maxsize=CACHE_SIZE
        )

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType],
    ) -> ExecutionResult | ExperimentalIncrementalExecutionResults | None:
        """The operation's result, or None when it must run on graphql-core.

        Raises strawberry's ``MissingQueryError``, ``CannotGetOperationTypeError`` and
        ``InvalidOperationTypeError`` as its own ``execute`` does (the HTTP view answers them).
        """
        started = time.perf_counter()
        if not query:
            raise MissingQueryError
        try:
            document = parse_document(query, self.max_tokens)
        except GraphQLError as error:
            return self._finish(context, operation_name, None, [error], started)
        if not isinstance(operation_name, str | None):
            raise CannotGetOperationTypeError(operation_name)  # as strawberry: no such operation
        planned = self._operations(document, operation_name)
        if planned is None:
            raise CannotGetOperationTypeError(operation_name)
        if operation_name is None and planned.operation.name is not None:
            operation_name = planned.operation.name.value  # the metric label strawberry uses
        if planned.operation_type not in allowed_operation_types:
            raise InvalidOperationTypeError(planned.operation_type)
        errors = self.validation.errors(document)
        if errors:
            return self._finish(context, operation_name, None, errors, started)
        if planned.unsupported is not None:
            FALLBACK.inc()
            return None
        refusal = before_execution(context, planned.operation_type, document)
        if refusal is not None:
            return self._finish(context, operation_name, None, [refusal], started)
        variables = planned.coerce_variables(
            variable_values or {}, max_errors=50, hide_suggestions=self.hide_suggestions
        )
        if isinstance(variables, list):
            if self.hide_suggestions:
                variables = [quiet_coercion_error(error) for error in variables]
            coerce_errors = [coded(error, Stage.COERCE) for error in variables]
            return self._finish(context, operation_name, None, coerce_errors, started)
        try:
            plan = self._plan(document, planned, variables.coerced)
        except NullDeferCondition:  # graphql-core's error for this request, not the operation's
            FALLBACK.inc()
            return None
        except Unsupported as reason:
            planned.unsupported = str(reason)
            FALLBACK.inc()
            return None
        COMPILED.inc()
        run = Run(self.schema, planned.operation, variables, context, root_value)
        data = await run.execute(plan)
        errors = [classify(e) for e in run.errors_in_document_order()]
        later = later_work(run) if data is not None else None
        if data is not None and later is not None:  # @defer: later parts coded as they are sent
            after_operation(context, operation_name, errors, started)
            return incremental_result(data, errors, later)
        return self._finish(context, operation_name, data, errors, started)

    def plan_text(self, query: str, operation_name: str | None = None) -> str:
        """The plan of one operation as text, or why it has none (``gateway plan``)."""
        document = parse_document(query, self.max_tokens)
        errors = self.validation.errors(document)
        if errors:
            return "invalid: " + "; ".join(error.message for error in errors)
        planned = self._operations(document, operation_name)
        if planned is None:
            return "no such operation"
        if planned.unsupported is not None:
            return f"runs on graphql-core: {planned.unsupported}"
        try:
            plan = compile_operation(
                self.strawberry_schema,
                document,
                planned.operation,
                planned.conditions,
                tuple(True for _ in planned.conditions),
            )
        except Unsupported as reason:
            return f"runs on graphql-core: {reason}"
        return describe(plan)

    def _planned(self, document: DocumentNode, operation_name: str | None) -> Planned | None:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        operation_type = OperationType(operation.operation.value)
        coercer = VariableCoercer(self.schema, operation.variable_definitions or ())
        planned = Planned(operation, operation_type, conditions(document, operation), coercer)
        if operation_type is OperationType.SUBSCRIPTION:
            planned.unsupported = "subscription"
        return planned

    def _plan(
        self, document: DocumentNode, planned: Planned, variables: dict[str, Any]
    ) -> OperationPlan:
        key = condition_values(planned.conditions, variables)
        plan = planned.plans.get(key)
        if plan is None:
            plan = compile_operation(
                self.strawberry_schema, document, planned.operation, planned.conditions, key
            )
            if len(planned.plans) >= MAX_PLANS_PER_OPERATION:
                planned.plans.pop(next(iter(planned.plans)))
            planned.plans[key] = plan
        return plan

    def _finish(
        self,
        context: Any,
        operation_name: str | None,
        data: dict[str, Any] | None,
        errors: list[GraphQLError],
        started: float,
    ) -> ExecutionResult:
        after_operation(context, operation_name, errors, started)
        extensions = round_trips(context) if self.report_round_trips else None
        return ExecutionResult(data=data, errors=errors or None, extensions=extensions or None)
