"""API keys: ``gw_<key id>_<secret>``; created, listed, revoked, and verified per request."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from gateway.auth.principal import Principal, Scope
from gateway.db import Connection

# Opens a connection for the key lookup (the pool's ``acquire``).
ConnectionFactory = Callable[[], AbstractAsyncContextManager[Connection]]

# How long a verified key is cached per worker: a revoked key stops working within this time.
TTL_S = 10.0

_TOKEN = re.compile(r"^gw_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never its secret)."""

    key_id: str
    name: str
    scopes: tuple[Scope, ...]
    brand_ids: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


class UnknownBrandError(ValueError):
    """A key was asked for brands the database does not hold; ``known`` lists those it does."""

    def __init__(self, missing: Sequence[str], known: Sequence[str]) -> None:
        names = ", ".join(repr(b) for b in missing)
        super().__init__(f"no brand {names} in the database")
        self.missing = tuple(missing)
        self.known = tuple(known)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create_key(
    conn: Connection, name: str, scopes: Sequence[Scope], brand_ids: Sequence[str]
) -> str:
    """Store a new key and return its token — shown once, never stored.

    Every brand must exist (a misspelt brand would give a key that sees nothing):
    ``UnknownBrandError`` otherwise.

    Example, in a coroutine::

        token = await create_key(conn, "web", [Scope.READ], ["acme"])
    """
    known = [r["brand_id"] for r in await conn.fetch("SELECT brand_id FROM brands ORDER BY 1")]
    missing = [b for b in dict.fromkeys(brand_ids) if b not in set(known)]
    if missing:
        raise UnknownBrandError(missing, known)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO api_keys (key_id, name, secret_hash, scopes, brand_ids)"
        " VALUES ($1, $2, $3, $4::api_scope[], $5)",
        key_id,
        name,
        _hash(secret),
        [s.value for s in scopes],
        list(brand_ids),
    )
    return f"gw_{key_id}_{secret}"


async def list_keys(conn: Connection) -> list[ApiKey]:
    """Every key, newest first."""
    rows = await conn.fetch(
        "SELECT key_id, name, scopes::text[] AS scopes, brand_ids, created_at, revoked_at"
        " FROM api_keys ORDER BY created_at DESC, key_id"
    )
    return [
        ApiKey(
            r["key_id"],
            r["name"],
            tuple(Scope(s) for s in r["scopes"]),
            tuple(r["brand_ids"]),
            r["created_at"],
            r["revoked_at"],
        )
        for r in rows
    ]


async def revoke_key(conn: Connection, key_id: str) -> bool:
    """Revoke a key; False when there is no such active key."""
    status = await conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL", key_id
    )
    return status.endswith(" 1")


class KeyVerifier:
    """Verify bearer tokens, caching each key for ``ttl_s`` so most requests cost no SQL.

    A revoked key stops working within ``ttl_s`` seconds on every worker.
    """

    def __init__(self, ttl_s: float = TTL_S, max_entries: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._cache: dict[str, tuple[float, bytes | None, Principal | None]] = {}

    async def verify(self, conn_factory: ConnectionFactory, token: str) -> Principal | None:
        """The principal of ``token``, or None when it is malformed, unknown, revoked or wrong."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        key_id, secret = match.groups()
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is None or cached[0] < now:
            cached = (now + self._ttl_s, *await self._load(conn_factory, key_id))
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            self._cache[key_id] = cached
        _, secret_hash, principal = cached
        if secret_hash is None or not hmac.compare_digest(secret_hash, _hash(secret)):
            return None
        return principal

    async def _load(
        self, conn_factory: ConnectionFactory, key_id: str
    ) -> tuple[bytes | None, Principal | None]:
        async with conn_factory() as conn:
            row = await conn.fetchrow(
                "SELECT secret_hash, scopes::text[] AS scopes, brand_ids FROM api_keys"
                " WHERE key_id = $1 AND revoked_at IS NULL",
                key_id,
            )
        if row is None:
            return None, None
        principal = Principal(
            key_id, frozenset(Scope(s) for s in row["scopes"]), tuple(row["brand_ids"])
        )
        return bytes(row["secret_hash"]), principal
