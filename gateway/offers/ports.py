"""What the offers domain needs from a request: a Protocol of its own, met by ``gateway.context``.

The domain imports neither ``gateway.loaders`` nor the frame's context. Resolvers hand it
``info.context``, and mypy checks that the context fits ``OffersRequest``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from gateway.auth.principal import Principal
from gateway.db import RequestDb
from gateway.offers.catalog import BrandCatalog, CatalogKey
from gateway.offers.customer import CustomerSnapshot, SnapshotKey
from gateway.settings import Settings

KeyT = TypeVar("KeyT", contravariant=True)
ValueT = TypeVar("ValueT", covariant=True)


class Load(Protocol[KeyT, ValueT]):
    """A batching loader: ``load`` queues a key; keys queued together are read at once."""

    def load(self, key: KeyT) -> Awaitable[ValueT]:
        """The value for ``key``."""
        ...


class OfferLoads(Protocol):
    """The request's offer loaders (``gateway.loaders.offers.OfferLoaders``)."""

    @property
    def customer_snapshot(self) -> Load[SnapshotKey, CustomerSnapshot | None]:
        """(customer id, external user id or "") → what the database knows of the customer."""
        ...

    @property
    def brand_catalog(self) -> Load[CatalogKey, BrandCatalog | None]:
        """(catalog version, brand id) → the brand's compiled catalog."""
        ...

    def compiled_catalog(self, key: CatalogKey) -> tuple[bool, BrandCatalog | None]:
        """The catalog when this process has compiled it already (no round trip)."""
        ...


class Loads(Protocol):
    """The request's loaders, of which this domain reads its own."""

    @property
    def offers(self) -> OfferLoads:
        """The offer loaders."""
        ...


class ReadRecord(Protocol):
    """Where the request records what its answer depends on (``gateway.cache.tags``)."""

    def read_customer(self, customer_id: str) -> None:
        """The answer depends on this customer's data."""
        ...

    def valid_until(self, moment: datetime | None) -> None:
        """The answer may change by time alone at ``moment``."""
        ...

    def wrote_customers(self, customer_ids: Iterable[str]) -> None:
        """A mutation changed these customers' data."""
        ...


class OffersRequest(Protocol):
    """One request, as the offers domain sees it."""

    @property
    def settings(self) -> Settings:
        """The service's settings (signing keys)."""
        ...

    @property
    def db(self) -> RequestDb:
        """The request's database access."""
        ...

    @property
    def loaders(self) -> Loads:
        """The request's loaders."""
        ...

    @property
    def now(self) -> datetime:
        """The request's time, read once."""
        ...

    @property
    def principal(self) -> Principal:
        """Who the request acts as."""
        ...

    @property
    def cache(self) -> ReadRecord:
        """What the answer depends on."""
        ...
