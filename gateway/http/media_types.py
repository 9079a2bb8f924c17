"""GraphQL over HTTP: which media type an answer takes, and its status code.

A client whose Accept header prefers ``application/graphql-response+json`` gets that media type
and the spec's status codes: a request that never started executing (a parse, validation or
variable-coercion failure, an unknown persisted query, a missing root-field scope) is 4xx and has
no ``data`` entry; any answer that executed is 200, errors or not. Every other client (``*/*``,
no Accept, ``application/json`` first) gets ``application/json`` and 200, as before, since
legacy clients read errors from 200 bodies only.

>>> prefers_graphql_response("application/graphql-response+json, application/json;q=0.9")
True
>>> prefers_graphql_response("application/json, application/graphql-response+json")
False
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
GRAPHQL_RESPONSE_CONTENT_TYPE = f"{GRAPHQL_RESPONSE}; charset=utf-8"

# The status of a request error by its code; others are 400.
_STATUS_BY_CODE = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403}


def first_header(scope: Mapping[str, Any], name: bytes) -> str:
    """The first value of header ``name`` (lower case), or "", as starlette's ``Headers.get``
    reads it, without building a ``Headers``.

    >>> first_header({"headers": [(b"accept", b"text/html"), (b"accept", b"*/*")]}, b"accept")
    'text/html'
    """
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _quality(params: Sequence[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def prefers_graphql_response(accept: str) -> bool:
    """Whether ``accept`` ranks ``application/graphql-response+json`` above ``application/json``.

    A higher quality wins; on equal quality, the one listed first. ``*/*`` counts for
    ``application/json`` (the spec's legacy default).
    """
    if GRAPHQL_RESPONSE not in accept.lower():
        return False
    best: dict[str, tuple[float, int]] = {}
    for position, media_range in enumerate(accept.lower().split(",")):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        if media_type in ("*/*", "application/*"):
            media_type = JSON
        if media_type in (GRAPHQL_RESPONSE, JSON) and media_type not in best:
            best[media_type] = (_quality(params), -position)
    ours = best.get(GRAPHQL_RESPONSE)
    return ours is not None and ours[0] > 0 and ours > best.get(JSON, (0.0, 0))


def request_error_status(data: object, errors: Sequence[GraphQLError] | None) -> int | None:
    """The 4xx status of an answer whose execution never started, else None.

    Execution never started when there is no data and no error belongs to a field (field
    errors always carry a ``path``).
    """
    if data is not None or not errors or any(error.path for error in errors):
        return None
    code = (errors[0].extensions or {}).get("code")
    return _STATUS_BY_CODE.get(code, 400) if isinstance(code, str) else 400
