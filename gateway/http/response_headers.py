"""An answer's media type and ``Cache-Control`` (``gateway.http.caching``), set as it starts.

A client preferring ``application/graphql-response+json`` gets that media type for a JSON
answer. ``Cache-Control`` is ``no-store`` unless a GET answer may be kept: a response cache
hit's freshness, else what the operation recorded in its tags.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.context import Clock
from gateway.http.caching import NO_STORE, VARY, Freshness, cache_control
from gateway.http.media_types import GRAPHQL_RESPONSE_CONTENT_TYPE, JSON
from gateway.http.request_state import RequestState, request_state

_NO_STORE = (b"cache-control", NO_STORE.encode())


class ResponseHeaders:
    """Sets the media type and ``Cache-Control`` of the next app's response.

    Example::

        app = ResponseHeaders(app, clock=utc_now, max_age_s=30, keys_required=True)
    """

    def __init__(self, app: ASGIApp, *, clock: Clock, max_age_s: int, keys_required: bool) -> None:
        self.app = app
        self.clock = clock
        self.max_age_s = max_age_s
        self.keys_required = keys_required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.response_started = True
                value = self.cache_control(scope, message["status"], state)
                if value == NO_STORE and not state.graphql_response:
                    # The usual answer: one header more, without MutableHeaders' copies.
                    raw = message["headers"] = list(message.get("headers", ()))
                    if not any(name == b"cache-control" for name, _ in raw):
                        raw.append(_NO_STORE)
                        await send(message)
                        return
                headers = MutableHeaders(scope=message)
                if state.graphql_response and headers.get("content-type") == JSON:
                    headers["content-type"] = GRAPHQL_RESPONSE_CONTENT_TYPE
                headers["cache-control"] = value
                if value != NO_STORE:
                    headers.add_vary_header(VARY)
            await send(message)

        await self.app(scope, receive, with_headers)

    def cache_control(self, scope: Scope, status: int, state: RequestState) -> str:
        """``no-store`` unless a GET answer may be kept (see ``gateway.http.caching``)."""
        if scope["method"] != "GET" or status != 200 or state.streamed or self.max_age_s <= 0:
            return NO_STORE
        freshness = state.cached_freshness
        if freshness is None:
            tags = state.operation_tags
            if tags is None:
                return NO_STORE
            freshness = Freshness(
                tags.cacheable and tags.ok and tags.operations == 1 and not tags.mutated,
                tags.expires,
            )
        keyed = self.keys_required or "authorization" in Headers(scope=scope)
        return cache_control(freshness, now=self.clock(), max_age_s=self.max_age_s, keyed=keyed)
