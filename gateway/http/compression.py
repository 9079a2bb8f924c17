"""gzip for a client that accepts it; nothing in the way of one that does not.

starlette's ``GZipMiddleware`` wraps every response, compressing or not, and re-reads its
excluded media types per request. Here a request whose first ``Accept-Encoding`` does not name
gzip goes straight to the app (starlette's own test, on the raw headers), and one that does gets
starlette's middleware as is: its minimum size, its excluded media types (an event stream is
never buffered) and its thread for large bodies.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

ACCEPT_ENCODING = b"accept-encoding"


class Compression:
    """Pure ASGI middleware: starlette's gzip for the requests that accept it, else nothing.

    >>> from starlette.responses import PlainTextResponse
    >>> app = Compression(PlainTextResponse("ok"), minimum_size=1024, compresslevel=6)
    """

    def __init__(self, app: ASGIApp, *, minimum_size: int, compresslevel: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and accepts_gzip(scope["headers"]):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def accepts_gzip(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the first ``Accept-Encoding`` header names gzip (as starlette reads it).

    >>> accepts_gzip([(b"accept-encoding", b"br, gzip")]), accepts_gzip([(b"host", b"x")])
    (True, False)
    """
    for name, value in headers:
        if name == ACCEPT_ENCODING:
            return b"gzip" in value
    return False
