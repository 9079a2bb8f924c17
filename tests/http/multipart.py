"""Read a ``multipart/mixed`` GraphQL answer the way Apollo Client's parser does."""

from __future__ import annotations

import re
from typing import Any

import orjson


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a Content-Type (Apollo's default ``-`` when absent)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1) if match else "-"


def parts(body: str, content_type: str) -> list[dict[str, Any]]:
    """The JSON bodies of the parts, in order; each part's own Content-Type is checked."""
    delimiter = "\r\n--" + boundary_of(content_type)
    found = []
    for message in ("\r\n" + body).split(delimiter)[1:]:
        if message.startswith("--"):
            break  # the closing delimiter
        head, separator, payload = message.partition("\r\n\r\n")
        assert separator, f"part without headers: {message[:80]!r}"
        assert "content-type: application/json" in head.lower()
        found.append(orjson.loads(payload))
    return found
