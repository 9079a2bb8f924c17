"""A brand's compiled offers catalog: indexed plays, offers with content and options, mappings.

Compiling 10,000 audiences takes a while, so a compiled catalog is kept per process and reused for
as long as the database's catalog version (``offer_catalog_version``, changed by a trigger on every
catalog write) stays the same. The cache is keyed by that version, so it can never serve a stale
catalog: a request first reads the current version (with the customer's data, no extra round trip).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway.evaluator import (
    BASIS_POINTS,
    DEFAULT_DECISION_TTL,
    Play,
    PlayIndex,
    RuleError,
    compile_audience,
)

logger = logging.getLogger("gateway")

CACHE_SIZE = 64  # (version, brand) pairs kept compiled per process


@dataclass(frozen=True)
class Content:
    """An offer's text in one locale."""

    locale: str
    title: str
    description: str


@dataclass(frozen=True)
class Option:
    """One way to take an offer."""

    id: str
    label: str
    processing_type: str
    processing_layout: str | None
    redirect_url: str | None


@dataclass(frozen=True)
class Offer:
    """An offer: its content per locale (with a default) and its options, in display order."""

    id: str
    name: str
    default_locale: str
    contents: Mapping[str, Content]
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        """The option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class BrandCatalog:
    """Everything needed to decide for one brand, compiled."""

    brand_id: str
    brand_name: str
    version: str
    index: PlayIndex
    offers: Mapping[str, Offer]
    mappings: tuple[tuple[str, str], ...]  # (custom property, request source)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _seconds(value: float | None) -> timedelta | None:
    return timedelta(seconds=float(value)) if value is not None else None


def _basis_points(percent: Any) -> int:
    return int(Decimal(str(percent)) * BASIS_POINTS / 100)


def _play(row: Mapping[str, Any], brand_id: str) -> Play | None:
    try:
        audience = compile_audience(row["audience"])
    except RuleError as exc:
        # Loaded through `gateway load` it was valid; someone edited the table by hand.
        logger.error("play %s skipped: invalid audience: %s", row["play_id"], exc)
        return None
    return Play(
        id=row["play_id"],
        brand_id=brand_id,
        offer_id=row["offer_id"],
        audience=audience,
        name=row["name"],
        objective=row["objective"],
        status=row["status"],
        priority=row["priority"],
        starts_at=_moment(row["starts_at"]),
        ends_at=_moment(row["ends_at"]),
        traffic_bp=_basis_points(row["traffic_percent"]),
        holdout_bp=_basis_points(row["holdout_percent"]),
        cooldown=_seconds(row["cooldown_s"]),
        max_accepts_per_customer=row["max_accepts_per_customer"],
        decision_ttl=_seconds(row["decision_ttl_s"]) or DEFAULT_DECISION_TTL,
    )


def _offer(row: Mapping[str, Any]) -> Offer:
    return Offer(
        id=row["offer_id"],
        name=row["name"],
        default_locale=row["default_locale"],
        contents={
            c["locale"]: Content(c["locale"], c["title"], c["description"])
            for c in row["contents"] or ()
        },
        options=tuple(
            Option(
                o["option_id"],
                o["label"],
                o["processing_type"],
                o["processing_layout"],
                o["redirect_url"],
            )
            for o in sorted(row["options"] or (), key=lambda o: o["position"])
        ),
    )


def compile_catalog(
    brand_id: str,
    brand_name: str,
    version: str,
    plays: list[Mapping[str, Any]],
    offers: list[Mapping[str, Any]],
    mappings: list[Mapping[str, Any]],
) -> BrandCatalog:
    """Compile the rows of one brand (as ``queries.BRAND_CATALOGS`` returns them)."""
    compiled = [p for p in (_play(row, brand_id) for row in plays) if p is not None]
    return BrandCatalog(
        brand_id=brand_id,
        brand_name=brand_name,
        version=version,
        index=PlayIndex(compiled),
        offers={row["offer_id"]: _offer(row) for row in offers},
        mappings=tuple((m["property"], m["source"]) for m in mappings),
    )


CatalogKey = tuple[str, str]  # (catalog version, brand id)


class Abandoned:
    """The type of ABANDONED: the request compiling a catalog stopped before it was done."""


ABANDONED = Abandoned()


class CatalogCache:
    """Compiled catalogs by (catalog version, brand), least recently used evicted first.

    One request at a time compiles a missing catalog (it ``claim``s it); the others await
    ``loading(key)`` instead of reading and compiling it again — compiling 2,000 plays holds the
    event loop for a few hundred milliseconds, and 50 requests each doing so after a start or a
    catalog change would stall the worker for seconds.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[CatalogKey, BrandCatalog | None] = OrderedDict()
        self._loading: dict[CatalogKey, asyncio.Future[BrandCatalog | Abandoned | None]] = {}

    def get(self, key: tuple[str, str]) -> tuple[bool, BrandCatalog | None]:
        """(found, catalog); a brand known to be absent is cached as (True, None)."""
        if key not in self._entries:
            return False, None
        self._entries.move_to_end(key)
        return True, self._entries[key]

    def clear(self) -> None:
        """Forget every compiled catalog."""
        self._entries.clear()

    def put(self, key: tuple[str, str], catalog: BrandCatalog | None) -> None:
        """Remember a compiled catalog (or that the brand does not exist); wake its waiters."""
        self._entries[key] = catalog
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        pending = self._loading.pop(key, None)
        if pending is not None and not pending.done():
            pending.set_result(catalog)

    def loading(self, key: CatalogKey) -> asyncio.Future[BrandCatalog | Abandoned | None] | None:
        """The compilation another request has claimed for ``key``, if any.

        Await it through ``asyncio.shield``: it resolves to the catalog, or to ABANDONED when
        that request stopped first (then compile it yourself).
        """
        return self._loading.get(key)

    def has_claims(self) -> bool:
        """Whether some request is compiling a catalog now."""
        return bool(self._loading)

    def claim(self, keys: Iterable[CatalogKey]) -> None:
        """Say the calling request compiles ``keys`` (it must ``put`` or ``release`` each)."""
        loop = asyncio.get_running_loop()
        for key in keys:
            self._loading[key] = loop.create_future()

    def release(self, keys: Iterable[CatalogKey]) -> None:
        """End the claims on ``keys`` not ``put``: their waiters get ABANDONED."""
        for key in keys:
            pending = self._loading.pop(key, None)
            if pending is not None and not pending.done():
                pending.set_result(ABANDONED)


# Keyed by content version, so one cache per process is safe for every pool and database.
CATALOGS = CatalogCache()
