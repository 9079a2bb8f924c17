"""Error codes: every error gets an ``extensions.code``; unexpected ones are logged and masked."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from gateway.errors import ErrorCode, GatewayError, with_code
from gateway.operation.query_limits import is_limit_message

logger = logging.getLogger("gateway")

MASKED_MESSAGE = "Unexpected error. It has been logged; retry later or report it."


def classify(error: GraphQLError) -> GraphQLError:
    """``error`` with an ``extensions.code``; unexpected errors are logged and masked."""
    original = error.original_error
    if isinstance(original, GatewayError):
        return with_code(error, original.code.value)
    if original is None:
        # Raised by graphql-core itself: limits, syntax, validation, variable coercion.
        if is_limit_message(error.message):
            return with_code(error, ErrorCode.LIMIT_EXCEEDED.value)
        if error.message.startswith("Syntax Error"):
            return with_code(error, ErrorCode.GRAPHQL_PARSE_FAILED.value)
        if error.message.startswith("Variable "):
            return with_code(error, ErrorCode.BAD_USER_INPUT.value)
        return with_code(error, ErrorCode.GRAPHQL_VALIDATION_FAILED.value)
    if isinstance(original, GraphQLError):
        # A scalar's parse_value/parse_literal rejected client input.
        return with_code(error, ErrorCode.BAD_USER_INPUT.value)
    logger.error(
        "unexpected error at %s",
        ".".join(str(p) for p in error.path or ()),
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
    )
