"""Admission control: each worker serves at most a bounded number of requests at once.

Beyond the bound a request is answered at once with ``503`` and ``Retry-After`` (code
``OVERLOADED``) instead of queueing behind the others: the admitted requests keep their latency,
and a load balancer (HAProxy's ``retry-on 503``) sends the refused ones to another instance.
Health and metrics paths are never refused, so an instance under load is not mistaken for a
dead one.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.observability.metrics import SHED

OVERLOADED = "OVERLOADED"
REQUEST_ID = b"x-request-id"
RETRY_AFTER_S = 1
NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})

_BODY = orjson.dumps(
    {
        "errors": [
            {
                "message": "the server is at capacity; retry after the Retry-After delay",
                "extensions": {"code": OVERLOADED},
            }
        ]
    }
)
_HEADERS = (
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_BODY)).encode()),
    (b"retry-after", str(RETRY_AFTER_S).encode()),
)


class AdmissionMiddleware:
    """Pure ASGI middleware: ``limit`` requests in flight; the next ones get 503 OVERLOADED.

    One worker runs one event loop, so a plain counter is exact.

    >>> app = AdmissionMiddleware(app, limit=64)
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            SHED.inc()
            # A new list each time: an outer middleware may add headers to the one it is sent.
            headers = [*_HEADERS]
            for name, value in scope["headers"]:
                if name == REQUEST_ID:  # echoed, as RequestIdMiddleware would, for tracing
                    headers.append((REQUEST_ID, value))
                    break
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": _BODY})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
