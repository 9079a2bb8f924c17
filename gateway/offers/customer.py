"""What the database knows about a customer, for one decision (read by ``gateway.loaders``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.evaluator import Customer, History, Subscription

# (customer id, external user id or "")
SnapshotKey = tuple[str, str]


@dataclass(frozen=True)
class CustomerSnapshot:
    """What the database knows about a customer, for one decision."""

    customer: Customer
    brand_ids: tuple[str, ...]
    subscriptions: tuple[Subscription, ...]
    end_user_roles: tuple[str, ...] | None  # None: the end user is not on record
    attributes: Mapping[str, object]
    history: History
    catalog_version: str
