"""GraphQL over SSE (graphql-sse, distinct connections mode): for clients that ask for it first.

urql's default Accept lists ``text/event-stream`` after the JSON types, for queries it still
wants as JSON; graphql-sse's client and Hive Gateway's subgraph executor ask for the event
stream first (or only). Only they get one.

Events end their lines with LF alone. SSE allows CRLF too (strawberry's choice), but Hive
Gateway's subgraph executor (``@graphql-tools/executor-http``) splits events on a blank line
written as two LFs: with CRLF it never sees an event, and a subscription through it stays silent.
"""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.http.streaming import SSETransport
from strawberry.types.graphql import OperationType

EVENT_STREAM = "text/event-stream"


def prefers_event_stream(accept: str) -> bool:
    """True when the first media range of ``accept`` is ``text/event-stream``.

    >>> prefers_event_stream("text/event-stream")
    True
    >>> prefers_event_stream("application/json, text/event-stream")
    False
    """
    first = accept.split(",", 1)[0]
    return first.split(";", 1)[0].strip().lower() == EVENT_STREAM


class PreferredSSETransport(SSETransport):
    """strawberry's SSE transport, chosen only when the event stream is asked for first."""

    def accepts(self, accept: str) -> bool:
        """True for an Accept header that puts ``text/event-stream`` first."""
        return prefers_event_stream(accept)

    def encode_event(self, event: str, data: str | None = None) -> str:
        """One SSE event, its lines ended by LF (``data`` is one line of JSON).

        >>> PreferredSSETransport().encode_event("next", '{"data":{}}')
        'event: next\\ndata: {"data":{}}\\n\\n'
        """
        return super().encode_event(event, data).replace("\r\n", "\n")

    def encode_comment(self, comment: str) -> str:
        """An SSE comment (a heartbeat), ended by LF.

        >>> PreferredSSETransport().encode_comment("ping")
        ': ping\\n\\n'
        """
        return f": {comment}\n\n"

    def allowed_operation_types(
        self, allowed_operation_types: set[OperationType]
    ) -> Iterable[OperationType]:
        """Subscriptions over GET too: Hive Gateway's subgraph executor subscribes with GET."""
        return {*allowed_operation_types, OperationType.SUBSCRIPTION}
