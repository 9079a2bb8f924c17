"""What runs around the later parts of a ``@defer`` / ``@stream`` answer.

strawberry's extensions see the operation end once its initial part is built: the later parts run
afterwards, while the HTTP response streams. Here they get the same treatment as the initial part:
error codes and masking (``classify``), the response cache told of errors, a time limit, and
``sqlRoundTrips`` (development) on the last part, counting the whole request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from graphql import (
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    SubsequentIncrementalExecutionResult,
)
from graphql.execution.types import CompletedResult
from strawberry.types import ExecutionResult

from gateway.context import Context
from gateway.errors import ErrorCode
from gateway.operation.error_codes import classify
from gateway.operation.incremental_merge import IncrementalMerge


def _code_errors(value: SubsequentIncrementalExecutionResult, context: Context) -> None:
    for entry in [*(value.incremental or ()), *(value.completed or ())]:
        if entry.errors:
            entry.errors = [classify(error) for error in entry.errors]
            tags = getattr(context, "cache", None)
            if tags is not None:
                tags.ok = False


def _round_trips(context: Context) -> dict[str, Any]:
    return {"sqlRoundTrips": context.db.round_trips.count}


async def coded_results(
    result: ExperimentalIncrementalExecutionResults,
    context: Context,
    *,
    deadline: float | None,
    report_round_trips: bool,
) -> AsyncGenerator[SubsequentIncrementalExecutionResult, None]:
    """The later parts, with coded errors; past ``deadline`` (event-loop time) every open part
    fails with TIMEOUT.

    Example::

        result._replace(subsequent_results=coded_results(result, ctx, deadline=..., ...))
    """
    results = result.subsequent_results
    open_ids = {pending.id for pending in result.initial_result.pending}
    async with aclosing(results):
        while True:
            try:
                # In this task (not wait_for's): a client leaving cancels the read itself.
                async with asyncio.timeout_at(deadline):
                    value = await anext(results)
            except StopAsyncIteration:
                return
            except TimeoutError:
                yield _timed_out(open_ids, context)
                return
            open_ids.update(pending.id for pending in value.pending or ())
            open_ids.difference_update(completed.id for completed in value.completed or ())
            _code_errors(value, context)
            if report_round_trips and not value.has_next:
                value.extensions = {**(value.extensions or {}), **_round_trips(context)}
            yield value


def _timed_out(open_ids: set[str], context: Context) -> SubsequentIncrementalExecutionResult:
    """A last part closing every open fragment and stream with a TIMEOUT error."""
    tags = getattr(context, "cache", None)
    if tags is not None:
        tags.ok = False
    error = GraphQLError(
        "request: not done within the request time limit",
        extensions={"code": ErrorCode.TIMEOUT.value},
    )
    return SubsequentIncrementalExecutionResult(
        has_next=False,
        completed=[CompletedResult(pending_id, [error]) for pending_id in sorted(open_ids)],
    )


async def whole_answer(
    result: ExperimentalIncrementalExecutionResults,
    context: Context,
    *,
    report_round_trips: bool,
) -> ExecutionResult:
    """Every part merged into one answer, for a client that does not read multipart.

    The data is the same as without ``@defer`` / ``@stream``; errors of later parts follow the
    initial part's. The deferred reads still run as one batch after the initial ones, within
    the request's own time limit (the caller's).
    """
    initial = result.initial_result
    merge = IncrementalMerge(initial.data, [p.formatted for p in initial.pending])
    errors: list[GraphQLError] = list(initial.errors or ())
    async for value in coded_results(result, context, deadline=None, report_round_trips=False):
        merge.subsequent(value.formatted)
        for entry in [*(value.incremental or ()), *(value.completed or ())]:
            errors.extend(entry.errors or ())
    extensions = dict(initial.extensions or {})
    if report_round_trips:
        extensions.update(_round_trips(context))
    return ExecutionResult(
        data=merge.data,
        errors=errors or None,
        extensions=extensions or None,
    )
