"""Whether a subscription's new answer differs from the last one it sent.

Answers are compared as serialized, with two exceptions: a personalized offer's id (a signed
token) is compared by what it decides, not by when it was issued or until when it holds; and an
``expiresAt`` is the same when it only moved by its TTL (it is the same distance from each
round's clock reading). An answer whose ``expiresAt`` has passed is always sent again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from gateway.offers.tokens import LEGACY_VERSION, VERSION

EXPIRES_AT = "expiresAt"
# Two expiresAt this close to the same distance from their rounds' clocks moved by the TTL.
TTL_TOLERANCE = timedelta(seconds=1)
# Token claims that record when, not what: issue time and expiry.
_TOKEN_TIMES = ("iat", "exp")


@dataclass(frozen=True)
class Answer:
    """One sent answer, reduced for comparison.

    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    >>> a = Answer.of({"data": {"x": 1}}, now)
    >>> a.differs_from(None)
    True
    """

    # A digest of the serialized answer (16 bytes kept per subscriber, not the answer itself).
    body: bytes
    expires: tuple[datetime, ...]
    now: datetime

    @classmethod
    def of(cls, payload: Mapping[str, object], now: datetime) -> Answer:
        """The comparable form of a response payload (``data`` and ``errors``) read at ``now``."""
        expires: list[datetime] = []
        reduced = _reduce(dict(payload), expires)
        digest = hashlib.blake2b(orjson.dumps(reduced), digest_size=16).digest()
        return cls(digest, tuple(expires), now)

    def differs_from(self, last: Answer | None) -> bool:
        """True when this answer must be sent after ``last`` (None: nothing sent yet)."""
        if last is None or last.body != self.body or len(last.expires) != len(self.expires):
            return True
        for old, new in zip(last.expires, self.expires, strict=True):
            if old <= self.now:
                return True  # the answer the client holds has expired
            if old != new and abs((new - self.now) - (old - last.now)) > TTL_TOLERANCE:
                return True
        return False


def _reduce(value: object, expires: list[datetime]) -> object:
    if isinstance(value, dict):
        reduced: dict[str, object] = {}
        for key, item in value.items():
            moment = _moment(item) if key == EXPIRES_AT else None
            if moment is not None:
                expires.append(moment)
                reduced[key] = None
            else:
                reduced[key] = _reduce(item, expires)
        return reduced
    if isinstance(value, list):
        return [_reduce(item, expires) for item in value]
    if isinstance(value, str):
        return _decision(value) or value
    return value


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _decision(text: str) -> dict[str, object] | None:
    """A decision token's claims without its times; None for any other string."""
    parts = text.split(".")
    current = len(parts) == 4 and parts[0] == VERSION
    if not current and not (len(parts) == 3 and parts[0] == LEGACY_VERSION):
        return None
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(parts[-2] + "=" * (-len(parts[-2]) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    return {"decision": {k: v for k, v in claims.items() if k not in _TOKEN_TIMES}}
