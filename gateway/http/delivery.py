"""Incremental delivery: a ``@defer`` / ``@stream`` answer streamed, or merged into one.

A client reading multipart (``gateway.http.incremental.accepts_multipart``) gets the parts as
they come; they run after the request's timeout block and keep its deadline. Any other client
gets every part merged into one answer: the directives are hints a server may ignore, and a
plain JSON client then still gets its data.
"""

from __future__ import annotations

from typing import Any

from graphql import ExperimentalIncrementalExecutionResults

from gateway.context import Context
from gateway.http.incremental import accepts_multipart
from gateway.operation.incremental import coded_results, whole_answer


async def deliver(
    result: ExperimentalIncrementalExecutionResults,
    context: Context,
    *,
    accept: str,
    deadline: float,
    report_round_trips: bool,
) -> Any:
    """The answer to hand strawberry: the result with coded later parts, or one merged answer.

    Example::

        return await deliver(result, context, accept=accept, deadline=d, report_round_trips=True)
    """
    if accepts_multipart(accept):
        later = coded_results(
            result, context, deadline=deadline, report_round_trips=report_round_trips
        )
        return result._replace(subsequent_results=later)
    return await whole_answer(result, context, report_round_trips=report_round_trips)
