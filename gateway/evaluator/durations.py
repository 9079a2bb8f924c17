"""Durations written the short way in rules and config files: ``90s``, ``30m``, ``12h``, ``7d``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(\d{1,6})(s|m|h|d|w)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """A positive duration from ``<count><unit>`` (units s, m, h, d, w); ValueError otherwise.

    >>> parse_duration("7d")
    datetime.timedelta(days=7)
    """
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected a duration like 30m, 12h or 7d, got {text!r}")
    duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not timedelta(0) < duration <= MAX_DURATION:
        raise ValueError(f"duration {text!r} must be positive and at most 3650d")
    return duration


def format_duration(duration: timedelta) -> str:
    """The shortest ``<count><unit>`` spelling of ``duration`` (inverse of ``parse_duration``).

    >>> format_duration(timedelta(hours=36))
    '36h'
    """
    seconds = int(duration.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
