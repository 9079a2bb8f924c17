"""Generation counters: what changed since a request started, without copying any state.

Every bump takes the next value of one sequence. A request remembers the sequence value at its
start (``Generations.start``); a customer or promotion whose generation is above that value
changed while the request ran, so its answer is not stored. A stored answer records the
generations it was read under and is valid while they are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.observability.metrics import CACHE_INVALIDATIONS

# Above this many tracked ids the maps are emptied and the global generation bumped instead
# (memory stays bounded; every stored answer becomes invalid, which is safe).
MAX_TRACKED = 100_000


class Generations:
    """Global, per-customer and per-promotion generations of one worker.

    >>> gens = Generations()
    >>> start = gens.start()
    >>> gens.bump_customers(["demo-b2c"])
    >>> gens.customer("demo-b2c") > start
    True
    """

    def __init__(self, max_tracked: int = MAX_TRACKED) -> None:
        self.sequence = 0
        self.global_generation = 0
        self._customers: dict[str, int] = {}
        self._promotions: dict[str, int] = {}
        self._max_tracked = max_tracked

    def start(self) -> int:
        """The sequence value a request starts under (read before any SQL)."""
        return self.sequence

    def customer(self, customer_id: str) -> int:
        """The generation of one customer's data (0: unchanged since the last global bump)."""
        return self._customers.get(customer_id, 0)

    def promotion(self, promotion_id: str) -> int:
        """The generation of one promotion's shared counters."""
        return self._promotions.get(promotion_id, 0)

    def bump_all(self) -> None:
        """Everything may have changed (catalog write, bulk load, missed notifications)."""
        self.sequence += 1
        self.global_generation = self.sequence
        self._customers.clear()
        self._promotions.clear()
        CACHE_INVALIDATIONS.labels("all").inc()

    def bump_customers(self, customer_ids: Iterable[str]) -> None:
        """These customers' data changed."""
        self._bump(self._customers, customer_ids, "customer")

    def bump_promotions(self, promotion_ids: Iterable[str]) -> None:
        """These promotions' shared (PROMOTION-level) counters changed."""
        self._bump(self._promotions, promotion_ids, "promotion")

    def _bump(self, generations: dict[str, int], ids: Iterable[str], kind: str) -> None:
        for key in ids:
            self.sequence += 1
            generations[key] = self.sequence
            CACHE_INVALIDATIONS.labels(kind).inc()
        if len(generations) > self._max_tracked:
            self.bump_all()

    def apply(self, payload: str) -> None:
        """Apply one change (a notification without its ``<xid>/`` prefix): ``c:<customer>``,
        ``p:<promotion>``, ``all``.

        An unknown payload counts as ``all`` (a newer migration may send kinds we do not know).
        """
        kind, _, key = payload.partition(":")
        if kind == "c" and key:
            self.bump_customers((key,))
        elif kind == "p" and key:
            self.bump_promotions((key,))
        else:
            self.bump_all()
