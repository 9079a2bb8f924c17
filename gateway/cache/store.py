"""A bounded store of response bodies: least recently used entries go first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

# Bookkeeping counted per entry on top of its body and tags (dict slots, tuples, key).
_OVERHEAD_BYTES = 400


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored answer with the generations it was read under."""

    body: bytes
    media_type: str
    valid_until: datetime | None
    global_generation: int
    customers: tuple[tuple[str, int], ...]
    promotions: tuple[tuple[str, int], ...]

    @property
    def size(self) -> int:
        """Approximate bytes held."""
        tags = sum(len(k) + 16 for k, _ in self.customers) + sum(
            len(k) + 16 for k, _ in self.promotions
        )
        return len(self.body) + tags + _OVERHEAD_BYTES


class ResponseStore:
    """An LRU bounded by entry count and total bytes.

    Example::

        store = ResponseStore(max_entries=10_000, max_bytes=64 << 20)
        store.put(b"key", entry)
        store.get(b"key") is entry
        # -> True
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[bytes, CachedResponse] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> CachedResponse | None:
        """The entry under ``key`` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: bytes, entry: CachedResponse) -> bool:
        """Store ``entry`` (evicting the least recently used); False when it alone is too big."""
        size = entry.size
        if size > self.max_bytes or self.max_entries <= 0:
            return False
        self.discard(key)
        self._entries[key] = entry
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size
        return True

    def discard(self, key: bytes) -> None:
        """Forget ``key`` if present."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self.bytes = 0
