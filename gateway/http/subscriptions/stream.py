"""A subscription's results as sent: coded errors, and nothing when the answer did not change."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from strawberry.types import ExecutionResult

from gateway.live.answers import Answer
from gateway.live.context import LiveContext
from gateway.live.metrics import ANSWERS
from gateway.operation.error_codes import classify


async def changed_only(
    source: AsyncGenerator[Any, None], ctx: LiveContext
) -> AsyncGenerator[Any, None]:
    """The results of ``source`` (strawberry's ``schema.stream``) worth sending.

    Every error gets its ``extensions.code``. A result equal to the last one sent, as
    ``gateway.live.answers`` compares them, is dropped: a notification or a wake-up that did
    not change this subscriber's answer sends nothing.

    Example::

        results = changed_only(await schema.stream(query, context_value=ctx), ctx)
    """
    last: Answer | None = None
    async with aclosing(source) as results:
        async for result in results:
            if ctx.live is not None:
                ctx.live.give_slot()  # the round's answer is complete
            if not isinstance(result, ExecutionResult):
                yield result  # an incremental frame: the transport refuses it
                continue
            if result.errors:
                result.errors = [classify(error) for error in result.errors]
            payload = {
                "data": result.data,
                "errors": [error.formatted for error in result.errors or ()],
            }
            answer = Answer.of(payload, ctx.now)
            del payload
            if not answer.differs_from(last):
                ANSWERS.labels("dropped").inc()
                _forget(result)
                continue
            if last is not None:
                ANSWERS.labels("sent").inc()
            last = answer
            yield result
            _forget(result)  # sent: the layers above still refer to it while the next waits


def _forget(result: ExecutionResult) -> None:
    """Empty a result's data in place: strawberry's and graphql-core's results share the dict,
    and each layer's frame keeps its last result while a subscription rests (~3 KB each)."""
    if isinstance(result.data, dict):
        result.data.clear()
