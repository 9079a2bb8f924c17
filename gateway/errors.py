"""Errors the gateway reports: to clients, each with an ``extensions.code`` (``GatewayError``),
and to the person running a ``gateway`` command, in one line (``CommandError``).

``gateway.cli.commands`` prints a ``CommandError`` as ``gateway <command>: <problem>: <fix>`` on
standard error and exits with its ``status``: no traceback, since nothing in one would help.
Raise it where the problem is found, with the exact fix (a command to run, a setting to change).

>>> raise CommandError("wrk is not installed", fix="run `sudo apt-get install -y wrk`")
Traceback (most recent call last):
gateway.errors.CommandError: wrk is not installed: run `sudo apt-get install -y wrk`
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphql import GraphQLError


class ErrorCode(StrEnum):
    """Machine-readable codes put in ``extensions.code``."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    SUBSCRIPTION_REQUIRED = "SUBSCRIPTION_REQUIRED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    TIMEOUT = "TIMEOUT"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class GatewayError(Exception):
    """An expected error shown to the client as is: a message naming the field, and a code.

    >>> raise GatewayError(ErrorCode.BAD_USER_INPUT, "customerId: must not be empty")
    Traceback (most recent call last):
    gateway.errors.GatewayError: customerId: must not be empty
    """

    def __init__(
        self, code: ErrorCode, message: str, *, extensions: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extensions = {"code": code.value, **(extensions or {})}


def bad_input(field: str, problem: str) -> GatewayError:
    """A BAD_USER_INPUT error whose message starts with the offending field's name."""
    return GatewayError(
        ErrorCode.BAD_USER_INPUT, f"{field}: {problem}", extensions={"field": field}
    )


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """Return ``error`` with ``extensions.code`` set to ``code`` (kept when already set)."""
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


class CommandError(Exception):
    """What went wrong and how to fix it; ``status`` is the process's exit status."""

    def __init__(self, problem: str, *, fix: str = "", status: int = 1) -> None:
        super().__init__(f"{problem}: {fix}" if fix else problem)
        self.problem = problem
        self.fix = fix
        self.status = status
