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
from strawberry.types import ExecutionResult

from gateway.context import Context
from gateway.errors import ErrorCode
from gateway.http.incremental import IncrementalMerge
from gateway.operation.error_codes import classify


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
    results: AsyncGenerator[SubsequentIncrementalExecutionResult, None],
    context: Context,
    *,
    timeout_s: float,
    report_round_trips: bool,
) -> AsyncGenerator[SubsequentIncrementalExecutionResult, None]:
    """The later parts, with coded errors; a part not ready within the limit ends the answer.

    >>> result._replace(subsequent_results=coded_results(result.subsequent_results, ctx, ...))
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with aclosing(results):
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                value = await asyncio.wait_for(anext(results), max(remaining, 0))
            except StopAsyncIteration:
                return
            except TimeoutError:
                tags = getattr(context, "cache", None)
                if tags is not None:
                    tags.ok = False
                yield _timed_out(timeout_s)
                return
            _code_errors(value, context)
            if report_round_trips and not value.has_next:
                value.extensions = {**(value.extensions or {}), **_round_trips(context)}
            yield value


def _timed_out(timeout_s: float) -> SubsequentIncrementalExecutionResult:
    """A last part saying the rest was not done in time (a completed entry cannot say it)."""
    value = SubsequentIncrementalExecutionResult(has_next=False)
    value.extensions = {
        "errors": [
            {
                "message": f"request: not done within {timeout_s} s",
                "extensions": {"code": ErrorCode.TIMEOUT.value},
            }
        ]
    }
    return value


async def whole_answer(
    result: ExperimentalIncrementalExecutionResults,
    context: Context,
    *,
    timeout_s: float,
    report_round_trips: bool,
) -> ExecutionResult:
    """Every part merged into one answer, for a client that does not read multipart.

    The data is the same as without ``@defer`` / ``@stream``; errors of later parts follow the
    initial part's. The deferred reads still run as one batch after the initial ones.
    """
    initial = result.initial_result
    merge = IncrementalMerge(initial.data, [p.formatted for p in initial.pending])
    errors: list[GraphQLError] = list(initial.errors or ())
    timed_out: dict[str, Any] | None = None
    async for value in coded_results(
        result.subsequent_results, context, timeout_s=timeout_s, report_round_trips=False
    ):
        if value.extensions and "errors" in value.extensions:
            timed_out = value.extensions
            break
        merge.subsequent(value.formatted)
        for entry in [*(value.incremental or ()), *(value.completed or ())]:
            errors.extend(entry.errors or ())
    if timed_out is not None:
        errors.append(
            GraphQLError(
                timed_out["errors"][0]["message"], extensions={"code": ErrorCode.TIMEOUT.value}
            )
        )
    extensions = dict(initial.extensions or {})
    if report_round_trips:
        extensions.update(_round_trips(context))
    return ExecutionResult(
        data=merge.data,
        errors=errors or None,
        extensions=extensions or None,
    )
