"""Automatic Persisted Queries (Apollo's protocol) and an optional allow-list of operations.

A client sends ``extensions: {"persistedQuery": {"version": 1, "sha256Hash": H}}`` without the
query; the gateway answers PERSISTED_QUERY_NOT_FOUND until the client has sent the query once with
its hash, then remembers it. The store is in-process and bounded (least recently used dropped):
with several workers each one learns a hash on its own first miss, which the protocol is designed
for (the client simply retries with the full query), so no shared store is needed.

With ``GATEWAY_PERSISTED_QUERIES_ONLY`` the gateway runs only the operations listed in
``GATEWAY_PERSISTED_QUERIES_FILE`` (a JSON object of sha256 hex → query text) and learns nothing.

>>> store = PersistedQueries(max_size=2)
>>> store.resolve(None, {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ a }")}})
Traceback (most recent call last):
gateway.http.persisted_queries.PersistedQueryError: PersistedQueryNotFound
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """The request cannot run as sent; ``code`` goes to ``extensions.code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AllowListError(ValueError):
    """The allow-list file is unreadable or inconsistent; the message says where."""


def sha256_hex(query: str) -> str:
    """The hash clients send in ``persistedQuery.sha256Hash``: sha256 of the UTF-8 query text.

    >>> sha256_hex("{ __typename }")[:12]
    '7f56e67dd21a'
    """
    return hashlib.sha256(query.encode()).hexdigest()


def load_allow_list(path: Path) -> dict[str, str]:
    """Read a JSON object of sha256 hex → query text, checking every hash against its query.

    Example (a file holding ``{"7f56…": "{ __typename }"}``)::

        load_allow_list(Path("persisted-queries.json"))
    """
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise AllowListError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise AllowListError(f"{path}: expected a JSON object of sha256 hash -> query")
    for key, query in data.items():
        if not isinstance(query, str) or sha256_hex(query) != key:
            raise AllowListError(f"{path}: entry {key!r} is not the sha256 of its query text")
    return data


class PersistedQueries:
    """The query text a request stands for: sent, remembered by hash, or allow-listed.

    The common request (a query, no ``persistedQuery`` extension, no allow-list) costs the caller
    one ``if``; a hashed request costs one dict lookup.
    """

    def __init__(
        self, *, max_size: int, known: Mapping[str, str] | None = None, only_known: bool = False
    ) -> None:
        self.max_size = max_size
        self.only_known = only_known
        self._known = dict(known or {})
        self._learned: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._learned)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query to execute for this request, or raise ``PersistedQueryError``.

        ``query`` is returned unchanged when the request has no ``persistedQuery`` extension and
        there is no allow-list (strawberry then reports a missing query as usual).
        """
        persisted = extensions.get("persistedQuery") if extensions else None
        if persisted is None:
            if self.only_known and (query is None or sha256_hex(query) not in self._known):
                raise PersistedQueryError(
                    PERSISTED_QUERY_NOT_IN_LIST, "Only allow-listed persisted queries are accepted"
                )
            return query
        if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
            raise PersistedQueryError(
                PERSISTED_QUERY_NOT_SUPPORTED, "persistedQuery: only version 1 is supported"
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
            raise PersistedQueryError(
                PERSISTED_QUERY_HASH_MISMATCH,
                "persistedQuery.sha256Hash: expected 64 lowercase hex digits",
            )
        if query is None:
            return self._lookup(digest)
        if sha256_hex(query) != digest:
            raise PersistedQueryError(
                PERSISTED_QUERY_HASH_MISMATCH,
                "persistedQuery.sha256Hash: does not match the sha256 of the query",
            )
        if digest not in self._known:
            if self.only_known:
                raise PersistedQueryError(
                    PERSISTED_QUERY_NOT_IN_LIST, "Only allow-listed persisted queries are accepted"
                )
            self._remember(digest, query)
        return query

    def _lookup(self, digest: str) -> str:
        known = self._known.get(digest)
        if known is not None:
            return known
        learned = self._learned.get(digest)
        if learned is None:
            raise PersistedQueryError(PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")
        self._learned.move_to_end(digest)
        return learned

    def _remember(self, digest: str, query: str) -> None:
        self._learned[digest] = query
        self._learned.move_to_end(digest)
        if len(self._learned) > self.max_size:
            self._learned.popitem(last=False)
