"""The plays the evaluator ranks and what it decides (who is asking lives in ``subject``).

All plain frozen dataclasses: the caller assembles them from wherever it likes; the evaluator never
does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gateway.evaluator.rules import Audience

DEFAULT_DECISION_TTL = timedelta(minutes=15)
BASIS_POINTS = 10_000  # traffic and holdout shares are in basis points: 10,000 = 100 %


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
