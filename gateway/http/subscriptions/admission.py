"""Subscriptions fall outside the bound on requests in flight: SSE streams skip admission."""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.subscriptions.sse import prefers_event_stream


def is_event_stream(scope: Scope) -> bool:
    """True for an HTTP request that asks for ``text/event-stream`` first (GraphQL over SSE)."""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return prefers_event_stream(value.decode("latin-1"))
    return False


class ExemptStreams:
    """Runs ``middleware_class`` on every request except SSE streams, which go straight on.

    Example::

        Middleware(ExemptStreams, middleware_class=AdmissionMiddleware, limit=64)
    """

    def __init__(self, app: ASGIApp, middleware_class: Any, **options: Any) -> None:
        self.app = app
        self.guarded = middleware_class(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_event_stream(scope):
            await self.app(scope, receive, send)
        else:
            await self.guarded(scope, receive, send)


def exempt_streams(middleware: list[Middleware]) -> list[Middleware]:
    """``middleware`` (the admission bound) with SSE streams let through."""
    return [
        Middleware(ExemptStreams, *m.args, middleware_class=m.cls, **m.kwargs)  # type: ignore[arg-type, misc]
        for m in middleware
    ]
