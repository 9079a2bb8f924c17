"""A whole answer sent as its two ASGI messages, and a streamed answer whose first part is sent
before anything else is set up.

What starlette's ``Response`` sends for a body and a media type (``content-length``, then
``content-type``), without building a ``Response`` and its ``MutableHeaders`` for each answer.
"""

from __future__ import annotations

from typing import NamedTuple

from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

Header = tuple[bytes, bytes]


async def send_body(
    send: Send, status: int, body: bytes, media_type: str, headers: tuple[Header, ...] = ()
) -> None:
    """Send ``body`` as a complete answer of ``media_type`` (text types in UTF-8).

    >>> import asyncio
    >>> sent = []
    >>> async def send(message): sent.append(message)
    >>> asyncio.run(send_body(send, 200, b"{}", "application/json"))
    >>> sent[0]["headers"], sent[1]["body"]
    ([(b'content-length', b'2'), (b'content-type', b'application/json')], b'{}')
    """
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    raw = [(b"content-length", b"%d" % len(body)), (b"content-type", media_type.encode("latin-1"))]
    if headers:
        raw.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class JsonAnswer(NamedTuple):
    """A JSON answer, sent as an ASGI app (``await answer(scope, receive, send)``)."""

    status: int
    body: bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the answer as ``application/json``."""
        await send_body(send, self.status, self.body, "application/json")


class FirstPartFirst(StreamingResponse):
    """A ``StreamingResponse`` that sends its first chunk (a deferred answer's initial part) as
    soon as it is made, then streams the rest as starlette does.

    starlette opens a task group (the stream in one task, a watch for the client leaving in
    another) before reading the first chunk, under uvicorn's ASGI 2.3: the first paint waited for
    that set-up and a turn of the event loop. The later parts still stop when the client leaves.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the status, the headers and the first chunk, then stream the others."""
        first = await anext(aiter(self.body_iterator), None)
        status, headers = self.status_code, self.raw_headers
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if first is not None:
            chunk = first.encode(self.charset) if isinstance(first, str) else bytes(first)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        async def after_start(message: Message) -> None:
            if message["type"] != "http.response.start":  # sent already, above
                await send(message)

        await super().__call__(scope, receive, after_start)
