"""The one typed state of a /graphql request, made once by ``GraphQLEndpoint`` and passed down.

Every HTTP piece (``gateway.http.*``) and the view read and write it through ``request_state``;
mypy checks each use. The lifespan's pools are copied in when it is made.

Example, in a piece::

    state = request_state(scope)
    state.principal = principal
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import asyncpg
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope

from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.cache.tags import CacheTags
from gateway.db import RequestDb
from gateway.http.caching import Freshness

# Where the state lives in the ASGI scope (an extension key: no other app reads it).
SCOPE_KEY = "gateway.request"


class RequestHeaders(NamedTuple):
    """The request headers the pieces read, each its first value (as ``Headers.get``) or ""."""

    content_type: str
    accept: str
    authorization: str

    @classmethod
    def read(cls, raw: list[tuple[bytes, bytes]]) -> RequestHeaders:
        """One pass over the scope's headers (lower-case names, as ASGI servers give them).

        >>> RequestHeaders.read([(b"accept", b"*/*"), (b"accept", b"text/html")])
        RequestHeaders(content_type='', accept='*/*', authorization='')
        """
        content_type: bytes | None = None
        accept: bytes | None = None
        authorization: bytes | None = None
        for name, value in raw:
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"accept" and accept is None:
                accept = value
            elif name == b"authorization" and authorization is None:
                authorization = value
        return cls(
            (content_type or b"").decode("latin-1"),
            (accept or b"").decode("latin-1"),
            (authorization or b"").decode("latin-1"),
        )


@dataclass(slots=True)
class RequestState:
    """What the pieces of one request tell each other."""

    pool: asyncpg.Pool
    headers: RequestHeaders
    read_pool: asyncpg.Pool  # the replica's, or the same pool
    # The client prefers application/graphql-response+json (GraphQL over HTTP's status codes).
    graphql_response: bool
    # The loop time by which the answer must be computed (streamed parts keep it).
    deadline: float
    principal: Principal = DEVELOPMENT  # set by authentication
    # What this run read and wrote (the response cache's, or replica routing's); a request run
    # again on the primary gets new tags. None: nobody reads them.
    cache_tags: CacheTags | None = None
    use_replica: bool = False  # set by replica routing
    request_db: RequestDb | None = None  # the current run's database access (set by the view)
    operation_tags: CacheTags | None = None  # the tags the operations recorded (Cache-Control)
    cached_freshness: Freshness | None = None  # a response cache hit's (Cache-Control)
    request_error_status: int | None = None  # a 4xx for a request that never executed
    streamed: bool = False  # the answer is a multipart or event stream
    # Its response has started (set by ``response_headers`` as the first message passes):
    # failures can no longer be answered, and the deadline no longer applies.
    response_started: bool = False
    body: bytes | None = None  # the request body, once a piece has read it

    async def read_body(self, receive: Receive) -> bytes:
        """The request body (read from ``receive`` once; pass ``replay(receive)`` on after)."""
        if self.body is None:
            chunks: list[bytes] = []
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect()
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            self.body = b"".join(chunks)
        return self.body

    def replay(self, receive: Receive) -> Receive:
        """``receive`` for the next app: the body read already, then the client's own messages."""
        body = self.body
        if body is None:
            return receive
        pending = True

        async def replaying() -> Message:
            nonlocal pending
            if pending:
                pending = False
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replaying


def request_state(scope: Scope) -> RequestState:
    """The state ``GraphQLEndpoint`` made for this request."""
    state: RequestState = scope[SCOPE_KEY]
    return state
