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


class RestrictionsByCustomerPromotionLoader(Loader[RestrictionsKey, list[RestrictionState]]):
    """(customer_id, promotion_id, cart scope) → the promotion's limits and their usage."""

    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self._db = db

    async def batch_load_fn(self, keys: list[RestrictionsKey]) -> list[list[RestrictionState]]:
        return await fetch_restrictions(self._db, keys)


class RestrictionSetsLoader(Loader[tuple[RestrictionsKey, ...], list[list[RestrictionState]]]):
    """A listing's (customer_id, promotion_id, cart scope) keys → each one's limits and usage.

    The same query as ``RestrictionsByCustomerPromotionLoader``, with one future per listing
    instead of one per promotion (a cart lists a dozen; a federated request 100 carts).
    """

    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self._db = db

    async def batch_load_fn(
        self, keys: list[tuple[RestrictionsKey, ...]]
    ) -> list[list[list[RestrictionState]]]:
        found = await fetch_restrictions(self._db, [key for keys_ in keys for key in keys_])
        sets = []
        start = 0
        for keys_ in keys:
            sets.append(found[start : start + len(keys_)])
            start += len(keys_)
        return sets


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
    def restrictions(self) -> RestrictionsByCustomerPromotionLoader:
        """(customer id, promotion id, cart id) → the promotion's restriction states."""
        return RestrictionsByCustomerPromotionLoader(self._db)

    @cached_property
    def restriction_sets(self) -> RestrictionSetsLoader:
        """A listing's restriction keys → the restriction states of each, in order."""
        return RestrictionSetsLoader(self._db)

    @cached_property
    def programs(self) -> LoyaltyProgramByIdLoader:
        """Loyalty program id → the program (None when unknown)."""
        return LoyaltyProgramByIdLoader(self._db)
