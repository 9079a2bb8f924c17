"""Loaders for cart promotions: each batch is one SQL round trip, whatever the number of keys.

A federation ``Customer.cartPromotions`` for 100 customers makes one listing query; selecting
``restrictions`` or ``supplementaryCriteria`` adds one query each for all listed promotions.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from gateway.db import RequestDb
from gateway.loaders.base import Loader
from gateway.promotions.listing import CartPromotionRecord, ListingKey, fetch_cart_promotions
from gateway.promotions.programs import LoyaltyProgramRecord, fetch_programs
from gateway.promotions.restrictions import RestrictionsKey, RestrictionState, fetch_restrictions


class CartPromotionsByCustomerLoader(Loader[ListingKey, list[CartPromotionRecord]]):
    """(customer_id, include_supplementary) → the promotions that customer sees."""

    def __init__(self, db: RequestDb, now: datetime) -> None:
        super().__init__()
        self._db = db
        self._now = now

    async def batch_load_fn(self, keys: list[ListingKey]) -> list[list[CartPromotionRecord]]:
        return await fetch_cart_promotions(self._db, keys, self._now)


class RestrictionsLoader(Loader[tuple[RestrictionsKey, ...], list[list[RestrictionState]]]):
    """(customer_id, promotion_id, cart scope) keys → each one's limits and their usage.

    A load asks for a whole listing's keys (or one promotion's): one future per cart rather than
    per promotion, and one query for every load of a batch.
    """

    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self._db = db

    async def batch_load_fn(
        self, loads: list[tuple[RestrictionsKey, ...]]
    ) -> list[list[list[RestrictionState]]]:
        found = await fetch_restrictions(self._db, [key for keys in loads for key in keys])
        per_load = []
        start = 0
        for keys in loads:
            per_load.append(found[start : start + len(keys)])
            start += len(keys)
        return per_load


class LoyaltyProgramByIdLoader(Loader[str, LoyaltyProgramRecord | None]):
    """program_id → the loyalty program (for supplementaryCriteria)."""

    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self._db = db

    async def batch_load_fn(self, keys: list[str]) -> list[LoyaltyProgramRecord | None]:
        return await fetch_programs(self._db, keys)


class PromotionLoaders:
    """The cart-promotion loaders of one request, each made when first used."""

    def __init__(self, db: RequestDb, now: datetime) -> None:
        self._db = db
        self._now = now

    @classmethod
    def build(cls, db: RequestDb, now: datetime) -> PromotionLoaders:
        """New loaders for one request."""
        return cls(db, now)

    @cached_property
    def cart_promotions(self) -> CartPromotionsByCustomerLoader:
        """(customer id, include supplementary) → the customer's listed promotions."""
        return CartPromotionsByCustomerLoader(self._db, self._now)

    @cached_property
    def restrictions(self) -> RestrictionsLoader:
        """Restriction keys (customer id, promotion id, cart id) → the states of each, in order."""
        return RestrictionsLoader(self._db)

    @cached_property
    def programs(self) -> LoyaltyProgramByIdLoader:
        """Loyalty program id → the program (None when unknown)."""
        return LoyaltyProgramByIdLoader(self._db)
