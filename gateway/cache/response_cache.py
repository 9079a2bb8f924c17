"""Response caching for read operations: keys, lookups and stores.

An answer is served from the cache only while:
- the change listener is connected (``enabled``; cleared on every (re)connect, since
  notifications may have been missed while it was away),
- ``now`` is before the answer's ``valid_until`` (the earliest moment it may change by time),
- the global generation and every recorded customer / promotion generation are unchanged.
Generations are read when the request starts, before any SQL: an answer whose data changed while
it was being computed is not stored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from gateway.auth.principal import Principal
from gateway.cache.generations import Generations
from gateway.cache.store import CachedResponse, ResponseStore
from gateway.cache.tags import CacheTags
from gateway.observability.metrics import (
    CACHE_BYTES,
    CACHE_ENTRIES,
    CACHE_HITS,
    CACHE_MISSES,
    CACHE_STORES,
)


def cache_key(method: str, payload: bytes, principal: Principal, mode: str) -> bytes:
    """SHA-256 of what determines an answer: method, query string or body, the key, the mode.

    Example::

        cache_key("POST", body, principal, "production")
        # -> b'...'
    """
    digest = hashlib.sha256()
    brands = ",".join(principal.brand_ids) if principal.brand_ids is not None else "*"
    scopes = ",".join(sorted(principal.scopes))
    for part in (method, mode, principal.key_id, scopes, brands):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(payload)
    return digest.digest()


class ResponseCache:
    """One worker's response cache.

    Example::

        cache = ResponseCache(max_entries=10_000, max_bytes=64 << 20)
        tags = cache.begin()
        cache.lookup(key, now)  # None until stored, and while the listener is down
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.generations = Generations()
        self.store = ResponseStore(max_entries, max_bytes)
        self.enabled = False
        # Read when /metrics is scraped: nothing on the request path (one cache per worker).
        store = self.store
        CACHE_BYTES.set_function(lambda: store.bytes)
        CACHE_ENTRIES.set_function(lambda: len(store))

    def begin(self) -> CacheTags:
        """Tags for a new request, with the generations it starts under."""
        gens = self.generations
        return CacheTags(start_sequence=gens.start(), global_generation=gens.global_generation)

    def connected(self) -> None:
        """The listener is (again) listening: forget everything, then serve from the cache."""
        self.generations.bump_all()
        self.store.clear()
        self.enabled = True

    def disconnected(self) -> None:
        """The listener lost its connection: changes may go unseen, so stop using the cache."""
        self.enabled = False
        self.generations.bump_all()
        self.store.clear()

    def lookup(self, key: bytes, now: datetime) -> CachedResponse | None:
        """The stored answer for ``key`` if it is still valid, else None (and it is dropped)."""
        entry = self.store.get(key)
        if entry is None:
            CACHE_MISSES.inc()
            return None
        if self._valid(entry, now):
            CACHE_HITS.inc()
            return entry
        self.store.discard(key)
        CACHE_MISSES.inc()
        return None

    def save(self, key: bytes, tags: CacheTags, body: bytes, media_type: str) -> bool:
        """Store an answer computed under ``tags``, unless its data changed meanwhile."""
        gens = self.generations
        if not self.enabled or tags.global_generation != gens.global_generation:
            return False
        start = tags.start_sequence
        customers = tuple((c, gens.customer(c)) for c in sorted(tags.customers))
        promotions = tuple((p, gens.promotion(p)) for p in sorted(tags.promotions))
        if any(g > start for _, g in customers) or any(g > start for _, g in promotions):
            return False
        entry = CachedResponse(
            # orjson's output keeps the buffer it grew (a 7 KB cart answer holds a 32 KB block):
            # an exact copy lets the byte limit mean what it says.
            body=bytes(memoryview(body)),
            media_type=media_type,
            valid_until=tags.expires,
            global_generation=tags.global_generation,
            customers=customers,
            promotions=promotions,
        )
        stored = self.store.put(key, entry)
        if stored:
            CACHE_STORES.inc()
        return stored

    def apply_writes(self, tags: CacheTags) -> None:
        """Move the generations this request's mutations touched (before it responds).

        A mutation that declared nothing counts as having changed everything.
        """
        gens = self.generations
        if tags.written_customers:
            gens.bump_customers(tags.written_customers)
        if tags.written_promotions:
            gens.bump_promotions(tags.written_promotions)
        if tags.mutated and not (tags.written_customers or tags.written_promotions):
            gens.bump_all()

    def _valid(self, entry: CachedResponse, now: datetime) -> bool:
        gens = self.generations
        if entry.valid_until is not None and now >= entry.valid_until:
            return False
        if entry.global_generation != gens.global_generation:
            return False
        customer, promotion = gens.customer, gens.promotion
        return all(customer(c) == g for c, g in entry.customers) and all(
            promotion(p) == g for p, g in entry.promotions
        )
