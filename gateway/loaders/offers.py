"""Loaders for personalized offers: a customer's snapshot, and brands' compiled catalogs.

``personalizedOffers`` costs at most two SQL round trips: one for the customer (profile, brands,
subscriptions, the end user's roles, attributes, offer history and the catalog version), and one
for the brand's catalog only when this process has not compiled that catalog version yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from gateway.db import Record, RequestDb
from gateway.evaluator import Customer, History, PlayHistory, Subscription
from gateway.loaders.base import Loader
from gateway.offers.catalog import (
    CATALOGS,
    Abandoned,
    BrandCatalog,
    CatalogCache,
    CatalogKey,
    compile_catalog,
)
from gateway.offers.customer import CustomerSnapshot, SnapshotKey

CUSTOMER_SNAPSHOTS = """
SELECT k.n, c.customer_id, c.created_at, c.lifecycle_stage::text AS lifecycle_stage, c.segment,
       c.region, c.country, c.company,
       ARRAY(SELECT cb.brand_id FROM customer_brands cb
             WHERE cb.customer_id = c.customer_id ORDER BY cb.brand_id) AS brand_ids,
       (SELECT json_agg(json_build_object(
                   'id', s.subscription_id, 'brand_id', s.brand_id, 'plan_id', s.plan_id,
                   'status', s.status, 'billing_period', s.billing_period,
                   'billing_period_unit', s.billing_period_unit, 'amount', s.amount,
                   'currency', s.currency, 'started_at', s.started_at, 'trial_end', s.trial_end,
                   'term_end', s.term_end, 'cancel_scheduled_at', s.cancel_scheduled_at)
               ORDER BY s.subscription_id)
          FROM subscriptions s WHERE s.customer_id = c.customer_id) AS subscriptions,
       (SELECT e.roles FROM end_users e
         WHERE e.customer_id = c.customer_id AND e.external_user_id = k.external_user_id) AS roles,
       (SELECT json_object_agg(a.name, a.value)
          FROM customer_attributes a WHERE a.customer_id = c.customer_id) AS attributes,
       (SELECT json_agg(json_build_object('play_id', h.play_id, 'type', h.type, 'count', h.count,
                                          'last_at', h.last_at))
          FROM (SELECT ev.play_id, ev.type, count(*) AS count, max(ev.occurred_at) AS last_at
                  FROM offer_events ev WHERE ev.customer_id = c.customer_id
                 GROUP BY ev.play_id, ev.type) h) AS history,
       (SELECT v.version::text FROM offer_catalog_version v) AS catalog_version
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(customer_id, external_user_id, n)
LEFT JOIN customers c ON c.customer_id = k.customer_id
ORDER BY k.n
"""

BRAND_CATALOGS = """
SELECT b.brand_id, b.name,
       (SELECT v.version::text FROM offer_catalog_version v) AS version,
       (SELECT json_agg(json_build_object(
                   'play_id', p.play_id, 'offer_id', p.offer_id, 'name', p.name,
                   'objective', p.objective, 'status', p.status, 'priority', p.priority,
                   'starts_at', p.starts_at, 'ends_at', p.ends_at, 'audience', p.audience,
                   'traffic_percent', p.traffic_percent, 'holdout_percent', p.holdout_percent,
                   'cooldown_s', extract(epoch FROM p.cooldown),
                   'max_accepts_per_customer', p.max_accepts_per_customer,
                   'decision_ttl_s', extract(epoch FROM p.decision_ttl)))
          FROM plays p WHERE p.brand_id = b.brand_id AND p.status = 'active') AS plays,
       (SELECT json_agg(json_build_object(
                   'offer_id', o.offer_id, 'name', o.name, 'default_locale', o.default_locale,
                   'contents', (SELECT json_agg(json_build_object('locale', c.locale,
                                        'title', c.title, 'description', c.description))
                                  FROM offer_contents c WHERE c.offer_id = o.offer_id),
                   'options', (SELECT json_agg(json_build_object('option_id', x.option_id,
                                        'position', x.position, 'label', x.label,
                                        'processing_type', x.processing_type,
                                        'processing_layout', x.processing_layout,
                                        'redirect_url', x.redirect_url))
                                 FROM offer_options x WHERE x.offer_id = o.offer_id)))
          FROM offers o
         WHERE o.brand_id = b.brand_id
           AND EXISTS (SELECT 1 FROM plays p
                        WHERE p.offer_id = o.offer_id AND p.status = 'active')) AS offers,
       (SELECT json_agg(json_build_object('property', m.property, 'source', m.source))
          FROM offer_attribute_mappings m WHERE m.brand_id = b.brand_id) AS mappings
FROM brands b
WHERE b.brand_id = ANY($1::text[])
"""


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _subscription(row: Mapping[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        brand_id=row["brand_id"],
        plan_id=row["plan_id"],
        status=row["status"],
        started_at=datetime.fromisoformat(row["started_at"]),
        billing_period=row["billing_period"],
        billing_period_unit=row["billing_period_unit"],
        amount=float(row["amount"]),
        currency=row["currency"],
        trial_end=_moment(row["trial_end"]),
        term_end=_moment(row["term_end"]),
        cancel_scheduled_at=_moment(row["cancel_scheduled_at"]),
    )


def _history(rows: Sequence[Mapping[str, Any]]) -> History:
    counts = {"viewed": 0, "dismissed": 0, "accepted": 0}
    last: dict[str, datetime | None] = {"viewed": None, "dismissed": None, "accepted": None}
    by_play: dict[str, dict[str, Any]] = {}
    for row in rows:
        kind, at = row["type"], datetime.fromisoformat(row["last_at"])
        counts[kind] += row["count"]
        previous = last[kind]
        last[kind] = at if previous is None or at > previous else previous
        play = by_play.setdefault(row["play_id"], {})
        if kind == "accepted":
            play["accepted_count"] = row["count"]
        elif kind == "dismissed":
            play["last_dismissed_at"] = at
    return History(
        viewed_count=counts["viewed"],
        dismissed_count=counts["dismissed"],
        accepted_count=counts["accepted"],
        last_viewed_at=last["viewed"],
        last_dismissed_at=last["dismissed"],
        last_accepted_at=last["accepted"],
        by_play={play_id: PlayHistory(**fields) for play_id, fields in by_play.items()},
    )


def _snapshot(row: Record) -> CustomerSnapshot:
    return CustomerSnapshot(
        customer=Customer(
            id=row["customer_id"],
            created_at=row["created_at"],
            lifecycle_stage=row["lifecycle_stage"],
            segment=row["segment"],
            region=row["region"],
            country=row["country"],
            company=row["company"],
        ),
        brand_ids=tuple(row["brand_ids"]),
        subscriptions=tuple(_subscription(s) for s in row["subscriptions"] or ()),
        end_user_roles=tuple(row["roles"]) if row["roles"] is not None else None,
        attributes=row["attributes"] or {},
        history=_history(row["history"] or ()),
        catalog_version=row["catalog_version"],
    )


class CustomerSnapshotByCustomerLoader(Loader[SnapshotKey, CustomerSnapshot | None]):
    """(customer id, external user id or "") → ``CustomerSnapshot``, None for unknown customers."""

    def __init__(self, db: RequestDb) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[SnapshotKey]) -> list[CustomerSnapshot | None]:
        """All keys in one round trip."""
        rows = await self.db.fetch(CUSTOMER_SNAPSHOTS, [k[0] for k in keys], [k[1] for k in keys])
        return [_snapshot(row) if row["customer_id"] is not None else None for row in rows]


class BrandCatalogByVersionLoader(Loader[CatalogKey, BrandCatalog | None]):
    """(catalog version, brand id) → compiled ``BrandCatalog`` (None: no such brand).

    Served from the process cache when this version is compiled already; otherwise the missing
    brands are read in one round trip and compiled.
    """

    def __init__(self, db: RequestDb, cache: CatalogCache = CATALOGS) -> None:
        super().__init__()
        self.db = db
        self.catalogs = cache

    async def batch_load_fn(self, keys: list[CatalogKey]) -> list[BrandCatalog | None]:
        """Cached catalogs, those another request is compiling, and the rest in one round trip."""
        found: dict[CatalogKey, BrandCatalog | None] = {}
        missing: list[CatalogKey] = []
        waiting: dict[CatalogKey, asyncio.Future[BrandCatalog | Abandoned | None]] = {}
        for key in keys:
            hit, catalog = self.catalogs.get(key)
            if hit:
                found[key] = catalog
            elif (pending := self.catalogs.loading(key)) is not None:
                waiting[key] = pending
            else:
                missing.append(key)
        if missing:
            self.catalogs.claim(missing)
            try:
                found.update(await self._compile(missing))
            finally:
                self.catalogs.release(missing)
        abandoned = []
        for key, pending in waiting.items():
            outcome = await asyncio.shield(pending)  # our cancellation must not cancel theirs
            if isinstance(outcome, Abandoned):
                abandoned.append(key)
            else:
                found[key] = outcome
        if abandoned:
            found.update(await self._compile(abandoned))
        return [found[key] for key in keys]

    async def _compile(self, keys: list[CatalogKey]) -> dict[CatalogKey, BrandCatalog | None]:
        """Read and compile the brands of ``keys`` (one round trip), and cache them."""
        rows = await self.db.fetch(BRAND_CATALOGS, sorted({brand for _, brand in keys}))
        by_brand = {}
        for row in rows:
            catalog = compile_catalog(
                row["brand_id"],
                row["name"],
                row["version"],
                row["plays"] or [],
                row["offers"] or [],
                row["mappings"] or [],
            )
            by_brand[row["brand_id"]] = catalog
            self.catalogs.put((row["version"], row["brand_id"]), catalog)
        compiled = {}
        for key in keys:
            compiled[key] = by_brand.get(key[1])
            if key[1] not in by_brand:
                self.catalogs.put(key, None)
        return compiled


class OfferLoaders:
    """The personalized-offer loaders of one request, each made when first used."""

    def __init__(self, db: RequestDb, catalogs: CatalogCache = CATALOGS) -> None:
        self._db = db
        self._catalogs = catalogs

    @classmethod
    def build(cls, db: RequestDb, now: datetime) -> OfferLoaders:
        """New loaders for one request."""
        return cls(db)

    @cached_property
    def customer_snapshot(self) -> CustomerSnapshotByCustomerLoader:
        """(customer id, external user id) → what the evaluator knows of the customer."""
        return CustomerSnapshotByCustomerLoader(self._db)

    @cached_property
    def brand_catalog(self) -> BrandCatalogByVersionLoader:
        """(catalog version, brand id) → the compiled catalog."""
        return BrandCatalogByVersionLoader(self._db, self._catalogs)

    def compiled_catalog(self, key: CatalogKey) -> tuple[bool, BrandCatalog | None]:
        """(True, catalog) when this process has compiled ``key`` already, else (False, None).

        The usual case, answered without a batch or even a loader: a load goes through futures,
        a scheduled dispatch and a task, two more turns of the event loop for a dictionary lookup.
        """
        return self._catalogs.get(key)
