"""Prebuilt refusals (413, 429, 503): a GraphQL-shaped error body, in the client's media type.

A refusal is answered before GraphQL runs, often many times a second under load, so its body
and headers are built once, one copy per media type: ``application/graphql-response+json``
for a client whose Accept prefers it (GraphQL over HTTP), ``application/json`` for every other.
Sending one costs a header scan and two ASGI messages.

Example (in an ASGI app)::

    overloaded = Refusal.build(503, "OVERLOADED", "the server is at capacity")
    await overloaded.send(scope, send, [(b"retry-after", b"1")])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from starlette.types import Scope, Send

from gateway.http.media_types import GRAPHQL_RESPONSE_CONTENT_TYPE, JSON, prefers_graphql_response

Headers = list[tuple[bytes, bytes]]

ACCEPT = b"accept"
_GRAPHQL_RESPONSE = b"graphql-response"


def wants_graphql_response(scope: Scope) -> bool:
    """Whether the request's Accept prefers ``application/graphql-response+json``."""
    for name, value in scope["headers"]:
        if name == ACCEPT:
            # Most clients never name it: skip the parse for them.
            return _GRAPHQL_RESPONSE in value.lower() and prefers_graphql_response(
                value.decode("latin-1")
            )
    return False


@dataclass(frozen=True)
class Refusal:
    """One refusal's status, and its body and headers in each media type, built once."""

    status: int
    body: bytes
    json_headers: tuple[tuple[bytes, bytes], ...]
    graphql_headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def build(
        cls, status: int, code: str, message: str, headers: Iterable[tuple[bytes, bytes]] = ()
    ) -> Refusal:
        """``{"errors": [{"message", "extensions": {"code"}}]}`` with ``status`` and ``headers``.

        >>> Refusal.build(413, "PAYLOAD_TOO_LARGE", "request body: too large").status
        413
        """
        body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
        common = ((b"content-length", str(len(body)).encode()), *headers)
        return cls(
            status,
            body,
            ((b"content-type", JSON.encode()), *common),
            ((b"content-type", GRAPHQL_RESPONSE_CONTENT_TYPE.encode()), *common),
        )

    def headers_for(self, scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
        """The prebuilt headers in the media type ``scope``'s client prefers."""
        return self.graphql_headers if wants_graphql_response(scope) else self.json_headers

    async def send(
        self, scope: Scope, send: Send, extra: Iterable[tuple[bytes, bytes]] = ()
    ) -> None:
        """Send this refusal, with ``extra`` headers (such as ``Retry-After``) after the rest."""
        # A new list each time: an outer middleware may add headers to the one it is sent.
        headers: Headers = [*self.headers_for(scope), *extra]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
