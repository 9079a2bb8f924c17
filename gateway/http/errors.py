"""HTTP-level failures (before GraphQL runs) as GraphQL-shaped JSON with ``extensions.code``.

strawberry answers a malformed request with plain text (``400 Unable to parse request body as
JSON``); frontends would then need a second error path. Here every error body looks the same:

>>> error_response(400, "BAD_REQUEST", "Unable to parse JSON").body
b'{"errors":[{"message":"Unable to parse JSON","extensions":{"code":"BAD_REQUEST"}}]}'
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response

BAD_REQUEST = "BAD_REQUEST"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"

_CODE_BY_STATUS = {400: BAD_REQUEST, 404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}


def code_for_status(status: int) -> str:
    """The ``extensions.code`` for an HTTP status strawberry raised (BAD_REQUEST by default)."""
    return _CODE_BY_STATUS.get(status, BAD_REQUEST)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response ``{"errors": [{"message", "extensions": {"code"}}]}`` with ``status``."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )
