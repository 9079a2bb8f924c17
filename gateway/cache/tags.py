"""What one request read and until when its answer holds: recorded by resolvers, read by the cache.

Resolvers call ``ctx.cache.read_customer(...)``, ``read_promotions(...)`` and
``valid_until(...)``; mutations call ``wrote_customers(...)`` / ``wrote_promotions(...)`` so this
worker's generations move before the response is sent (no stale read after one's own write).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

# Root fields whose resolvers record every read in the tags: only operations made of these are
# cached (any other field could read data the tags do not cover). ``{ __typename }`` alone has
# nothing worth caching.
CACHEABLE_ROOT_FIELDS = frozenset(
    {"personalizedOffers", "cartPromotions", "_entities", "__typename"}
)
DATA_ROOT_FIELDS = CACHEABLE_ROOT_FIELDS - {"__typename"}


def is_cacheable_selection(root_fields: frozenset[str] | set[str]) -> bool:
    """True when an operation selecting ``root_fields`` may be cached."""
    return bool(root_fields & DATA_ROOT_FIELDS) and root_fields <= CACHEABLE_ROOT_FIELDS


@dataclass
class CacheTags:
    """The cache facts of one request.

    ``cacheable`` is set by the schema extension: a single query operation whose root fields
    all record their reads. ``ok`` is set when it finished without errors.

    Example::

        tags = CacheTags()
        tags.read_customer("demo-b2c")
        tags.valid_until(expires_at)
    """

    start_sequence: int = 0
    global_generation: int = 0
    customers: set[str] = field(default_factory=set)
    promotions: set[str] = field(default_factory=set)
    expires: datetime | None = None
    operations: int = 0
    cacheable: bool = False
    # The cache is on for this request: a miss will be stored (so it must read the primary).
    active: bool = False
    ok: bool = False
    mutated: bool = False
    written_customers: set[str] = field(default_factory=set)
    written_promotions: set[str] = field(default_factory=set)

    def read_customer(self, customer_id: str) -> None:
        """The answer depends on this customer's data."""
        self.customers.add(customer_id)

    def read_promotions(self, promotion_ids: Iterable[str]) -> None:
        """The answer depends on these promotions' shared usage counters."""
        self.promotions.update(promotion_ids)

    def valid_until(self, moment: datetime | None) -> None:
        """The answer may change by time alone at ``moment`` (None: not by time)."""
        if moment is not None and (self.expires is None or moment < self.expires):
            self.expires = moment

    def wrote_customers(self, customer_ids: Iterable[str]) -> None:
        """A mutation changed these customers' data."""
        self.written_customers.update(customer_ids)

    def wrote_promotions(self, promotion_ids: Iterable[str]) -> None:
        """A mutation changed these promotions' shared usage counters."""
        self.written_promotions.update(promotion_ids)

    def restarted(self) -> CacheTags:
        """Tags for running the request again: what it read is forgotten, its start is kept."""
        return CacheTags(
            start_sequence=self.start_sequence,
            global_generation=self.global_generation,
            active=self.active,
        )
