"""``Cache-Control`` for /graphql answers: never past the data's own expiry, never public if keyed.

A GET answer of a cacheable query (see ``gateway.cache.tags``: every read it made is tracked)
that finished without errors may be kept by a browser or CDN for ``GATEWAY_HTTP_MAX_AGE`` seconds
at most, and never past the earliest time its data changes by time alone: a personalized offer's
``expiresAt``, a promotion's end. Writes (a redemption, an event) cannot be announced to a browser
cache, so the default is 0: ``no-store``, and a client never reads an answer older than a write
it saw acknowledged. Everything else (POST, errors, mutations, multipart answers) is ``no-store``.

An answer computed for an API key (sent, or required) is ``private``: a shared cache must not
hand one key's answer to another. ``Vary`` names the headers an answer depends on.

>>> from datetime import UTC, datetime
>>> now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
>>> cache_control(Freshness(True, None), now=now, max_age_s=30, keyed=True)
'private, max-age=30'
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

NO_STORE = "no-store"
# What a GET answer depends on besides its URL: the key (scopes, brands) and the media type.
VARY = "Accept, Authorization"


class Freshness(NamedTuple):
    """Whether an answer may be kept at all, and until when its data holds by time alone."""

    cacheable: bool
    expires: datetime | None


def cache_control(freshness: Freshness, *, now: datetime, max_age_s: int, keyed: bool) -> str:
    """The ``Cache-Control`` value for a GET answer of this freshness."""
    if not freshness.cacheable or max_age_s <= 0:
        return NO_STORE
    seconds = max_age_s
    if freshness.expires is not None:
        seconds = min(seconds, math.floor((freshness.expires - now).total_seconds()))
    if seconds <= 0:
        return NO_STORE
    return f"{'private' if keyed else 'public'}, max-age={seconds}"
