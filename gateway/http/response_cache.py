"""The response cache around a request (``gateway.cache.response_cache``): answer or store.

Generations are read before anything else (``cache.begin``): a change landing while the
operation runs keeps its answer out of the cache. This worker's own writes move the
generations before the response starts. A multipart (``@defer`` / ``@stream``) answer is
stored once its last part is sent, when no part had errors; a hit sends every part at once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.cache.response_cache import ResponseCache, cache_key
from gateway.cache.tags import CacheTags
from gateway.context import Clock
from gateway.http.answers import send_body
from gateway.http.caching import Freshness
from gateway.http.media_types import first_header
from gateway.http.request_state import request_state


class ResponseCaching:
    """Answers from the cache when a valid answer is stored, else stores the next app's answer.

    Example::

        app = ResponseCaching(app, cache, env="production", clock=utc_now)
    """

    def __init__(self, app: ASGIApp, cache: ResponseCache, *, env: str, clock: Clock) -> None:
        self.app = app
        self.cache = cache
        self.env = env
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        cache = self.cache
        tags = state.cache_tags = cache.begin()
        key = None
        method = scope["method"]
        if cache.enabled and method in ("GET", "POST"):
            if method == "POST":
                payload = await state.read_body(receive)
            else:
                payload = Request(scope).url.query.encode()
            headers = state.headers
            mode = "\x00".join((self.env, headers.content_type, headers.accept))
            key = cache_key(method, payload, state.principal, mode)
            entry = cache.lookup(key, self.clock())
            if entry is not None:
                state.cached_freshness = Freshness(True, entry.valid_until)
                await send_body(send, 200, entry.body, entry.media_type)
                return
            tags.active = True
        status = 0
        media_type = ""
        chunks: list[bytes] = []

        async def storing(message: Message) -> None:
            nonlocal status, media_type
            tags = state.cache_tags  # a request redone on the primary has new tags
            assert tags is not None
            if message["type"] == "http.response.start":
                cache.apply_writes(tags)
                status = message["status"]
                media_type = first_header(message, b"content-type") or "application/json"
            elif key is not None and message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False) and _storable(tags, status):
                    cache.save(key, tags, b"".join(chunks), media_type)
            await send(message)

        await self.app(scope, state.replay(receive), storing)


def _storable(tags: CacheTags, status: int) -> bool:
    """One cacheable query operation, answered 200 without errors (in any part)."""
    return tags.cacheable and tags.ok and tags.operations == 1 and status == 200
