"""Request ids: taken from ``X-Request-ID`` when sane, made otherwise; echoed in the response."""

from __future__ import annotations

import random
import re
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_SANE = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


# Ids tell requests apart in logs and guard nothing: the random module's generator (reseeded in
# forked workers) will do, at a fraction of uuid4's os.urandom call per request.


def new_request_id() -> str:
    """32 hex digits, as ``uuid4().hex`` gives.

    >>> len(new_request_id()), new_request_id() != new_request_id()
    (32, True)
    """
    return f"{random.getrandbits(128):032x}"


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return request_id_var.get()


class RequestIdMiddleware:
    """Pure ASGI middleware: set the request id for logs, return it as ``X-Request-ID``.

    Example::

        app = RequestIdMiddleware(app)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope["headers"]:
            if name == HEADER:
                rid = value.decode() if _SANE.match(value) else None
                break
        if rid is None:
            rid = new_request_id()
        token = request_id_var.set(rid)
        header = (HEADER, rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
