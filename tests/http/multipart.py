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


def _deep_merge(target: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(target.get(key), dict) and isinstance(value, dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


def merge_parts(found: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply deferSpec=20220824 patches as a client does: data at ``path``, items at the index."""
    data: dict[str, Any] = found[0]["data"]
    for part in found[1:]:
        for patch in part.get("incremental", ()):
            node: Any = data
            if "items" in patch:
                *list_path, start = patch["path"]
                for key in list_path:
                    node = node[key]
                assert start == len(node), "stream items must continue the list"
                node.extend(patch["items"])
            elif patch.get("data") is not None:
                for key in patch["path"]:
                    node = node[key]
                _deep_merge(node, patch["data"])
    return data
