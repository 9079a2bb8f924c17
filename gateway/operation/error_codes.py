"""Error codes: every error gets an ``extensions.code`` from the stage that raised it.

Messages are never read. Parsing, the query limits, validation and variable coercion each code
their own errors (``coded``); during execution an error's original exception says what it is:
a ``GatewayError`` carries its code, a ``GraphQLError`` raised while converting client input is
BAD_USER_INPUT, and anything else is unexpected: logged once and masked.
"""

from __future__ import annotations

import logging
from enum import Enum

from graphql import GraphQLError

from gateway.errors import ErrorCode, GatewayError, with_code

logger = logging.getLogger("gateway")

MASKED_MESSAGE = "Unexpected error. It has been logged; retry later or report it."


class Stage(Enum):
    """Where an operation failed, and the code that says so."""

    PARSE = ErrorCode.GRAPHQL_PARSE_FAILED
    LIMITS = ErrorCode.LIMIT_EXCEEDED
    VALIDATE = ErrorCode.GRAPHQL_VALIDATION_FAILED
    COERCE = ErrorCode.BAD_USER_INPUT
    EXECUTE = ErrorCode.INTERNAL_SERVER_ERROR


def coded(error: GraphQLError, stage: Stage) -> GraphQLError:
    """``error`` with the ``extensions.code`` of ``stage`` (a code already set is kept).

    >>> coded(GraphQLError("Syntax Error: Unexpected <EOF>."), Stage.PARSE).extensions
    {'code': 'GRAPHQL_PARSE_FAILED'}
    """
    if stage is Stage.EXECUTE:
        return classify(error)
    return with_code(error, stage.value.value)


def classify(error: GraphQLError) -> GraphQLError:
    """An execution error with its code; unexpected ones are logged and masked.

    >>> missing = GatewayError(ErrorCode.NOT_FOUND, "offerFulfillment: none")
    >>> classify(GraphQLError("x", original_error=missing)).extensions
    {'code': 'NOT_FOUND'}
    """
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    if isinstance(original, GatewayError):
        return with_code(error, original.code.value)
    if isinstance(original, GraphQLError):
        # A scalar's parse_value/parse_literal rejected client input.
        return with_code(error, ErrorCode.BAD_USER_INPUT.value)
    if original is None:
        logger.error("unexpected engine error at %s: %s", _path(error), error.message)
    else:
        logger.error(
            "unexpected error at %s",
            _path(error),
            exc_info=(type(original), original, original.__traceback__),
        )
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
    )


def _path(error: GraphQLError) -> str:
    return ".".join(str(p) for p in error.path or ()) or "(operation)"
