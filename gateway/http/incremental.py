"""``@defer`` / ``@stream`` over HTTP, in the format Apollo Client and urql read.

graphql-core 3.3 (and strawberry with it) produces the incremental-delivery format of the current
spec draft: the initial result announces ``pending`` entries by id, later results carry
``incremental`` entries that name an id (and a ``subPath``), and ``completed`` closes an id.
Apollo Client 3 and urql speak the earlier format, ``deferSpec=20220824`` (graphql-js
17.0.0-alpha.2): every incremental entry carries its full ``path`` and ``label``; a streamed
entry's path ends with the index of its first item. ``IncrementalMerge`` translates the one into
the other, keeping the data delivered so far (it needs the lengths of streamed lists); it also
merges everything into one answer for a client that does not read multipart.

The translation is ``gateway.operation.incremental_merge``'s, which the operation layer also
uses to merge every part into one answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any

from gateway.operation.incremental_merge import IncrementalMerge, Json

# What the response's Content-Type says: the boundary is strawberry's ("-"), the spec version
# Apollo Client asks for in its Accept header.
MULTIPART_CONTENT_TYPE = 'multipart/mixed; boundary="-"; deferSpec=20220824'
BOUNDARY = "-"


def accepts_multipart(accept: str) -> bool:
    """Whether an Accept header admits ``multipart/mixed`` (not with ``q=0``).

    >>> accepts_multipart("multipart/mixed;deferSpec=20220824,application/json")
    True
    """
    for media_range in accept.lower().split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        if media_type in ("multipart/mixed", "multipart/*") and "q=0" not in params:
            return True
    return False


def initial_payload(payload: Mapping[str, Any]) -> Json:
    """The first part: graphql-core's initial result without its ``pending`` ids."""
    result: Json = {key: payload[key] for key in ("errors", "data") if key in payload}
    if payload.get("extensions"):
        result["extensions"] = payload["extensions"]
    result["hasNext"] = bool(payload.get("hasNext", False))
    return result


def multipart_part(body: str) -> str:
    """One part: its headers, the JSON body, then the boundary that closes it."""
    length = len(body.encode())
    return (
        "\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {length}\r\n\r\n{body}\r\n--{BOUNDARY}"
    )


class DeferSpecTransport:
    """strawberry's ``multipart_transport_class``, writing ``deferSpec=20220824`` parts.

    strawberry hands it the formatted results one by one (initial first); the preamble boundary
    goes out with the first part, so a client reads the initial data in one chunk.
    """

    headers: Mapping[str, str] = {"Content-Type": MULTIPART_CONTENT_TYPE}

    def stream(
        self,
        data: Callable[[], AsyncGenerator[Any, None]],
        encode_json: Callable[[object], str],
    ) -> Callable[[], AsyncIterator[str]]:
        """The response body as text chunks, one part per chunk, then the closing ``--``."""

        async def chunks() -> AsyncIterator[str]:
            merge: IncrementalMerge | None = None
            async for value in data():
                if merge is None:
                    merge = IncrementalMerge(value.get("data"), value.get("pending"))
                    yield f"--{BOUNDARY}" + multipart_part(encode_json(initial_payload(value)))
                else:
                    yield multipart_part(encode_json(merge.subsequent(value)))
            yield "--\r\n"

        return chunks
