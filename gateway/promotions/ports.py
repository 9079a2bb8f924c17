"""What the promotions domain needs from a request: a Protocol of its own, met by the context.

The domain imports neither ``gateway.loaders`` nor the frame's context. Resolvers hand it
``info.context``, and mypy checks that the context fits ``PromotionsRequest``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from gateway.auth.principal import Principal
from gateway.promotions.listing import CartPromotionRecord, ListingKey
from gateway.promotions.programs import LoyaltyProgramRecord
from gateway.promotions.restrictions import RestrictionsKey, RestrictionState

KeyT = TypeVar("KeyT", contravariant=True)
ValueT = TypeVar("ValueT", covariant=True)


class Load(Protocol[KeyT, ValueT]):
    """A batching loader: keys queued together are read in one round trip."""

    def load(self, key: KeyT) -> Awaitable[ValueT]:
        """The value for ``key``."""
        ...

    def load_many(self, keys: Iterable[KeyT]) -> Awaitable[Sequence[ValueT]]:
        """The values for ``keys``, in order."""
        ...


class PromotionLoads(Protocol):
    """The request's promotion loaders (``gateway.loaders.promotions.PromotionLoaders``)."""

    @property
    def cart_promotions(self) -> Load[ListingKey, list[CartPromotionRecord]]:
        """(customer id, include supplementary) → the customer's listed promotions."""
        ...

    @property
    def restrictions(self) -> Load[tuple[RestrictionsKey, ...], list[list[RestrictionState]]]:
        """Restriction keys → the states of each, in order."""
        ...

    @property
    def programs(self) -> Load[str, LoyaltyProgramRecord | None]:
        """Loyalty program id → the program."""
        ...


class Loads(Protocol):
    """The request's loaders, of which this domain reads its own."""

    @property
    def promotions(self) -> PromotionLoads:
        """The promotion loaders."""
        ...


class ReadRecord(Protocol):
    """Where the request records what its answer depends on (``gateway.cache.tags``)."""

    def read_customer(self, customer_id: str) -> None:
        """The answer depends on this customer's data."""
        ...

    def read_promotions(self, promotion_ids: Iterable[str]) -> None:
        """The answer depends on these promotions' shared counters."""
        ...

    def valid_until(self, moment: datetime | None) -> None:
        """The answer may change by time alone at ``moment``."""
        ...


class PromotionsRequest(Protocol):
    """One request, as the cart listing sees it."""

    @property
    def loaders(self) -> Loads:
        """The request's loaders."""
        ...

    @property
    def principal(self) -> Principal:
        """Who the request acts as."""
        ...

    @property
    def cache(self) -> ReadRecord:
        """What the answer depends on."""
        ...
