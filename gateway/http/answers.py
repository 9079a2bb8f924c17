"""A whole answer sent as its two ASGI messages, and the media type read back from them.

What starlette's ``Response`` sends for a body and a media type (``content-length``, then
``content-type``), without building a ``Response`` and its ``MutableHeaders`` for each answer.
"""

from __future__ import annotations

from typing import NamedTuple

from starlette.types import Receive, Scope, Send

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


def content_type(raw: list[Header]) -> str:
    """The first ``content-type`` of an answer's raw headers, or "".

    >>> content_type([(b"content-length", b"2"), (b"content-type", b"application/json")])
    'application/json'
    """
    for name, value in raw:
        if name == b"content-type":
            return value.decode("latin-1")
    return ""
