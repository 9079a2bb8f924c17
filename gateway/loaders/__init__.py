"""Per-request DataLoaders, grouped by domain: ``ctx.loaders.promotions``, ``ctx.loaders.offers``.

Each batch function takes the keys of one tick and makes one SQL round trip for all of them.

- ``base``: the DataLoader base (a shared load survives the cancellation of one caller);
- ``promotions``: cart promotions, their restrictions and programs;
- ``offers``: a customer's snapshot, and brands' compiled catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.db import RequestDb
from gateway.loaders.offers import OfferLoaders
from gateway.loaders.promotions import PromotionLoaders


@dataclass(frozen=True)
class Loaders:
    """All loaders of one request."""

    promotions: PromotionLoaders
    offers: OfferLoaders

    @classmethod
    def build(cls, db: RequestDb, now: datetime) -> Loaders:
        """New loaders (aiodataloader binds the running loop, so never share them)."""
        return cls(promotions=PromotionLoaders.build(db, now), offers=OfferLoaders.build(db, now))
