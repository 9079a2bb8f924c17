"""The operation layer on graphql-core's path: the reference, and what plans do not cover.

One strawberry extension does what the compiled path does around a plan (``compiled``): the
cached parse and validation with errors coded by stage, the variables coerced once to code their
errors, the checks before execution and the metrics after (``guards``). strawberry wraps every
hook of every extension on every request, so one extension costs far less than several.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import ExperimentalIncrementalExecutionResults, GraphQLSchema, get_operation_ast
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from gateway.operation.documents import Validation, parse_document, quiet_coercion_error
from gateway.operation.error_codes import Stage, classify, coded
from gateway.operation.guards import after_operation, before_execution, round_trips
from gateway.settings import Settings


def gateway_extension(settings: Settings) -> Callable[[], SchemaExtension]:
    """A factory of the gateway's extension, configured for ``settings``.

    >>> gateway_extension(Settings())().__class__.__name__
    'GatewayExtension'
    """
    max_tokens = settings.max_query_tokens
    report_round_trips = not settings.is_production
    hide_suggestions = settings.is_production
    validations: dict[int, tuple[GraphQLSchema, Validation]] = {}

    def validation_for(schema: GraphQLSchema) -> Validation:
        entry = validations.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = validations[id(schema)] = (schema, Validation(schema, settings))
        return entry[1]

    class GatewayExtension(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            context = self.execution_context
            yield
            result = context.result
            if isinstance(result, ExperimentalIncrementalExecutionResults):
                # @defer / @stream: the initial part; the HTTP layer codes the later parts' errors.
                result = result.initial_result
            errors = result.errors if result is not None else context.pre_execution_errors
            if result is not None and errors:
                errors = result.errors = [classify(error) for error in errors]
            after_operation(context.context, context.operation_name, errors, started)

        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            if context.query is not None:
                context.graphql_document = parse_document(context.query, max_tokens)
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            if context.graphql_document is not None:
                schema = context.schema._schema
                context.pre_execution_errors = validation_for(schema).errors(
                    context.graphql_document
                )
            yield

        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is not None:
                refusal = before_execution(context.context, context.operation_type, document)
                if refusal is not None:
                    context.result = ExecutionResult(data=None, errors=[refusal])
                else:
                    self._coerce_variables()
            yield

        def _coerce_variables(self) -> None:
            """Variable errors coded by their stage (graphql-core coerces them again)."""
            context = self.execution_context
            document = context.graphql_document
            operation = (
                None if document is None else get_operation_ast(document, context.operation_name)
            )
            if operation is None:
                return
            variables = get_variable_values(
                context.schema._schema,
                operation.variable_definitions or (),
                context.variables or {},
                max_errors=50,
                hide_suggestions=hide_suggestions,
            )
            if isinstance(variables, list):
                if hide_suggestions:
                    variables = [quiet_coercion_error(error) for error in variables]
                errors = [coded(error, Stage.COERCE) for error in variables]
                context.result = ExecutionResult(data=None, errors=errors)

        def get_results(self) -> dict[str, Any]:
            if not report_round_trips:
                return {}
            return round_trips(self.execution_context.context)

    return GatewayExtension
