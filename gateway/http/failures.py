"""HTTP failures raised by the pieces and the view, answered as coded GraphQL-shaped errors.

- ``GatewayError``: 401 for UNAUTHENTICATED, else 503 (the database is away);
- ``TimeoutError`` (``gateway.http.deadline``): 504, the request's database work cancelled;
- strawberry's ``HTTPException`` (bad JSON, a mutation over GET): its status, coded; an
  operation the method cannot carry is 405 with ``Allow: POST``;
- a client gone before its request arrived: nothing is sent.
"""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.schema.exceptions import InvalidOperationTypeError

from gateway.errors import ErrorCode, GatewayError
from gateway.http.errors import METHOD_NOT_ALLOWED, code_for_status, error_response
from gateway.http.request_state import request_state


class Failures:
    """Answers what the next app raised before its response started.

    Example::

        app = Failures(app, timeout_s=10.0)
    """

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
            return
        except ClientDisconnect:
            return  # the client left before its request arrived: nobody to answer
        except (GatewayError, TimeoutError, HTTPException) as exc:
            if request_state(scope).response_started:
                raise
            response = self.answer(scope, exc)
        await response(scope, receive, send)

    def answer(self, scope: Scope, exc: GatewayError | TimeoutError | HTTPException) -> Response:
        """The coded error response for ``exc``."""
        if isinstance(exc, GatewayError):
            status = 401 if exc.code is ErrorCode.UNAUTHENTICATED else 503
            return error_response(status, exc.code.value, exc.message)
        if isinstance(exc, TimeoutError):
            db = request_state(scope).request_db
            if db is not None:
                db.abandon()  # its loader batches would run on, holding connections
            message = f"request: not done within {self.timeout_s} s"
            return error_response(504, ErrorCode.TIMEOUT.value, message)
        if isinstance(exc.__cause__, InvalidOperationTypeError):
            # GraphQL over HTTP: an operation the method cannot carry is 405, POST allowed.
            return error_response(405, METHOD_NOT_ALLOWED, exc.reason, headers={"Allow": "POST"})
        return error_response(exc.status_code, code_for_status(exc.status_code), exc.reason)
