"""What the evaluator reads (the subject of a request, the plays) and what it decides.

All plain frozen dataclasses: the caller assembles them from wherever it likes; the evaluator never
does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.evaluator.rules import Audience

DEFAULT_DECISION_TTL = timedelta(minutes=15)
BASIS_POINTS = 10_000  # traffic and holdout shares are in basis points: 10,000 = 100 %


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


@dataclass(frozen=True)
class Play:
    """A play: when, to whom and how often an offer is shown."""

    id: str
    brand_id: str
    offer_id: str
    audience: Audience
    name: str = ""
    objective: str = "retention"
    status: str = "active"
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    traffic_bp: int = BASIS_POINTS
    holdout_bp: int = 0
    cooldown: timedelta | None = None
    max_accepts_per_customer: int | None = None
    decision_ttl: timedelta = DEFAULT_DECISION_TTL

    @property
    def rank_key(self) -> tuple[int, int, str]:
        """Sort key, best first: highest priority, then more audience conditions, then lowest id."""
        return (-self.priority, -self.audience.condition_count, self.id)


class Outcome(StrEnum):
    """Why a play won or lost, in the order the checks run."""

    WON = "won"
    HELD_OUT = "held_out"  # won, but this user is in the play's no-offer control group
    OUTRANKED = "outranked"  # eligible, but a better-ranked play won
    INACTIVE = "inactive"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    WRONG_BRAND = "wrong_brand"
    AUDIENCE = "audience"
    COOLDOWN = "cooldown"
    MAX_ACCEPTS = "max_accepts"
    OUTSIDE_SPLIT = "outside_split"


@dataclass(frozen=True)
class Verdict:
    """One play's result, for ``explain``: the outcome and, for AUDIENCE, the failing rule."""

    play_id: str
    outcome: Outcome
    detail: str = ""
    rule_path: str | None = None


@dataclass(frozen=True)
class Decision:
    """The evaluator's answer: the winning play (None: no offer) and until when it holds.

    ``held_out`` is True when the best play kept this user in its control group: no offer is
    shown, and the play is still named so the caller can log the control exposure.
    """

    play: Play | None
    expires_at: datetime
    held_out: bool = False
    verdicts: tuple[Verdict, ...] = ()

    @property
    def offer_play(self) -> Play | None:
        """The play whose offer is shown: the winner unless the user is held out."""
        return None if self.held_out else self.play
