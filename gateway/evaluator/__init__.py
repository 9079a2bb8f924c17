"""The offer evaluator: a pure package (no I/O) that picks the best play for a subject.

Plain frozen dataclasses in (``Subject``, ``Play``), a ``Decision`` out. Audience rules are
validated and compiled once (``compile_audience``); a brand's plays are indexed once
(``PlayIndex``) and reused for every request.

- ``subject``: who is asking; ``models``: the plays and the decision;
- ``rules``, ``operators``, ``properties``: the audience rule language, its typed operators and
  the properties (facts) it reads;
- ``index``: a brand's active plays indexed; ``evaluate``: the one best play, deterministically;
- ``bucketing``: traffic and holdout buckets; ``durations``: ``90s``/``30m``/``7d``;
  ``device``: device facts from a user agent;
- ``bench``: synthetic catalogs and the timing behind ``gateway bench-evaluator``.
"""

from gateway.evaluator.device import device_from_user_agent
from gateway.evaluator.durations import format_duration, parse_duration
from gateway.evaluator.evaluate import evaluate
from gateway.evaluator.index import PlayIndex
from gateway.evaluator.models import (
    BASIS_POINTS,
    DEFAULT_DECISION_TTL,
    Decision,
    Outcome,
    Play,
    Verdict,
)
from gateway.evaluator.rules import EVERYONE, Audience, RuleError, compile_audience
from gateway.evaluator.subject import (
    Customer,
    Device,
    EndUser,
    History,
    PlayHistory,
    RequestInfo,
    Subject,
    Subscription,
)

__all__ = [
    "BASIS_POINTS",
    "DEFAULT_DECISION_TTL",
    "EVERYONE",
    "Audience",
    "Customer",
    "Decision",
    "Device",
    "EndUser",
    "History",
    "Outcome",
    "Play",
    "PlayHistory",
    "PlayIndex",
    "RequestInfo",
    "RuleError",
    "Subject",
    "Subscription",
    "Verdict",
    "compile_audience",
    "device_from_user_agent",
    "evaluate",
    "format_duration",
    "parse_duration",
]
