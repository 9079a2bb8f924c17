"""Refuse request bodies larger than GATEWAY_MAX_BODY_BYTES with a coded 413, before parsing.

The refusal is prebuilt, in both media types (``gateway.http.refusals``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.refusals import Refusal

PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Pure ASGI middleware: a declared or streamed body over ``max_bytes`` gets 413.

    >>> from starlette.responses import PlainTextResponse
    >>> app = BodyLimitMiddleware(PlainTextResponse("ok"), max_bytes=65536)
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        message = f"request body: larger than the {max_bytes}-byte limit"
        self.refusal = Refusal.build(413, PAYLOAD_TOO_LARGE, message)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
                break
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await self.refusal.send(scope, send)
                return
            # The server delivers no more than the declared length as this request's body.
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self.refusal.send(scope, send)
