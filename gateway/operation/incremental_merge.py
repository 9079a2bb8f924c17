"""graphql-core's incremental results translated to ``deferSpec=20220824``, or merged into one.

graphql-core 3.3 produces the incremental-delivery format of the current spec draft: the initial
result announces ``pending`` entries by id, later results carry ``incremental`` entries that name
an id (and a ``subPath``), and ``completed`` closes an id. Apollo Client 3 and urql speak the
earlier format, ``deferSpec=20220824``: every incremental entry carries its full ``path`` and
``label``; a streamed entry's path ends with the index of its first item. ``IncrementalMerge``
translates the one into the other, keeping the data delivered so far (it needs the lengths of
streamed lists); it also merges everything into one answer for a client that does not read
multipart.

>>> merge = IncrementalMerge({"list": []}, [{"id": "0", "path": ["list"]}])
>>> merge.subsequent({"incremental": [{"id": "0", "items": [1]}], "hasNext": False})
{'hasNext': False, 'incremental': [{'items': [1], 'path': ['list', 0]}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

Json = dict[str, Any]


class _Pending(NamedTuple):
    path: list[str | int]
    label: str | None


class IncrementalMerge:
    """Turns graphql-core's incremental results into ``deferSpec=20220824`` payloads.

    Works on formatted results (plain dicts, errors already formatted) so the same code serves
    the multipart stream and the merged single answer.
    """

    def __init__(self, data: Json | None, pending: list[Mapping[str, Any]] | None) -> None:
        self.data = data
        self._pending: dict[str, _Pending] = {}
        self.errors: list[Any] = []
        self._announce(pending)

    def _announce(self, pending: list[Mapping[str, Any]] | None) -> None:
        for entry in pending or ():
            self._pending[entry["id"]] = _Pending(list(entry["path"]), entry.get("label"))

    def subsequent(self, payload: Mapping[str, Any]) -> Json:
        """One later payload (graphql-core's shape) as a ``deferSpec=20220824`` payload."""
        self._announce(payload.get("pending"))
        entries: list[Json] = []
        for entry in payload.get("incremental") or ():
            pending = self._pending[entry["id"]]
            if "items" in entry:
                out = self._stream(pending, entry["items"])
            else:
                out = self._defer(pending, entry.get("subPath"), entry["data"])
            self._copy_errors(entry, out)
            entries.append(out)
        for completed in payload.get("completed") or ():
            ended = self._pending.pop(completed["id"], None)
            if ended is not None and completed.get("errors"):
                # The whole fragment (or the rest of a stream) failed: nothing else comes for it.
                out = {"data": None, "path": ended.path}
                if ended.label is not None:
                    out["label"] = ended.label
                self._copy_errors(completed, out)
                entries.append(out)
        result: Json = {"hasNext": bool(payload.get("hasNext"))}
        if entries:
            result["incremental"] = entries
        if payload.get("extensions"):
            result["extensions"] = payload["extensions"]
        return result

    def _copy_errors(self, source: Mapping[str, Any], out: Json) -> None:
        errors = source.get("errors")
        if errors:
            out["errors"] = errors
            self.errors.extend(errors)
        if source.get("extensions"):
            out["extensions"] = source["extensions"]

    def _defer(self, pending: _Pending, sub_path: list[str | int] | None, data: Json) -> Json:
        path = pending.path + list(sub_path or ())
        target = self._locate(path)
        if isinstance(target, dict):
            _deep_merge(target, data)
        out: Json = {"data": data, "path": path}
        if pending.label is not None:
            out["label"] = pending.label
        return out

    def _stream(self, pending: _Pending, items: list[Any]) -> Json:
        target = self._locate(pending.path)
        start = 0
        if isinstance(target, list):
            start = len(target)
            target.extend(items)
        out: Json = {"items": items, "path": [*pending.path, start]}
        if pending.label is not None:
            out["label"] = pending.label
        return out

    def _locate(self, path: list[str | int]) -> Any:
        node: Any = self.data
        for key in path:
            if isinstance(node, dict) and isinstance(key, str):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
            else:
                return None
        return node


def _deep_merge(target: Json, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, Mapping):
            _deep_merge(existing, value)
        else:
            target[key] = value
