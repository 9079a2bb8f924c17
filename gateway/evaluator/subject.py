"""Who is asking: the customer, subscription, end user, device, browsing context and history.

All plain frozen dataclasses: the caller assembles them from wherever it likes; the evaluator never
does I/O. This module imports nothing from the evaluator, so every other module may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Customer:
    """The billing customer."""

    id: str
    created_at: datetime | None = None
    lifecycle_stage: str | None = None
    segment: str | None = None
    region: str | None = None
    country: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class Subscription:
    """The subscription the request is about (picked by the caller)."""

    id: str
    brand_id: str
    plan_id: str
    status: str
    started_at: datetime
    billing_period: int = 1
    billing_period_unit: str = "month"
    amount: float = 0.0
    currency: str = "USD"
    trial_end: datetime | None = None
    term_end: datetime | None = None
    cancel_scheduled_at: datetime | None = None


@dataclass(frozen=True)
class EndUser:
    """The person in front of the screen (B2B: one of many per customer)."""

    external_id: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    """What the user agent says about the device; None where it says nothing."""

    type: str | None = None  # desktop | mobile | tablet | bot | other
    os: str | None = None
    os_version: str | None = None
    browser: str | None = None
    browser_version: str | None = None
    brand: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class RequestInfo:
    """Browsing context of the request."""

    locale: str | None = None  # normalised, e.g. "de-DE" or "fr"
    language: str | None = None  # "de"
    timezone: str | None = None
    url_host: str | None = None
    url_path: str | None = None
    referrer_host: str | None = None


@dataclass(frozen=True)
class PlayHistory:
    """This customer's earlier events on one play."""

    accepted_count: int = 0
    last_dismissed_at: datetime | None = None


@dataclass(frozen=True)
class History:
    """This customer's earlier offer events, over all plays and per play."""

    viewed_count: int = 0
    dismissed_count: int = 0
    accepted_count: int = 0
    last_viewed_at: datetime | None = None
    last_dismissed_at: datetime | None = None
    last_accepted_at: datetime | None = None
    by_play: Mapping[str, PlayHistory] = field(default_factory=dict)


@dataclass(frozen=True)
class Subject:
    """Everything known about who is asking, at the time of the request."""

    customer: Customer
    subscription: Subscription | None = None
    user: EndUser = EndUser()
    device: Device = Device()
    request: RequestInfo = RequestInfo()
    custom: Mapping[str, object] = field(default_factory=dict)
    history: History = History()
