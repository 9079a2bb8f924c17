"""Personalized-offer ids: HMAC-signed, self-contained decision tokens (REFERENCE C.8).

A token names the play, offer, customer, end user and subscription of one decision, when it was
made and when it expires; serving a decision writes nothing, and events and fulfillments trust a
token only when its signature checks out. Format: ``po1.<base64url JSON claims>.<base64url MAC>``
(HMAC-SHA256, truncated to 128 bits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from gateway.errors import ErrorCode, GatewayError
from gateway.settings import Settings, env_name

VERSION = "po1"
MAC_BYTES = 16
MAX_TOKEN_LENGTH = 2048
# Events and fulfillments are accepted this long after a decision expires: a user may look at an
# offer for a while before acting on it.
EVENT_GRACE = timedelta(days=1)
KEY_FILE = "offer_signing_key"


@dataclass(frozen=True)
class DecisionClaims:
    """What a decision token says."""

    play_id: str
    offer_id: str
    customer_id: str
    external_user_id: str | None
    subscription_id: str | None
    issued_at: datetime
    expires_at: datetime


class InvalidToken(GatewayError):
    """A personalizedOfferId that is not one of ours (reason: MALFORMED, BAD_SIGNATURE, EXPIRED)."""

    def __init__(self, field: str, reason: str, problem: str) -> None:
        super().__init__(
            ErrorCode.BAD_USER_INPUT,
            f"{field}: {problem}",
            extensions={"field": field, "reason": reason},
        )
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()[:MAC_BYTES]


def sign(claims: DecisionClaims, key: bytes) -> str:
    """The token for ``claims``.

    >>> token = sign(claims, key)
    >>> verify(token, key, now=claims.issued_at) == claims
    True
    """
    body = orjson.dumps(
        {
            "p": claims.play_id,
            "o": claims.offer_id,
            "c": claims.customer_id,
            "u": claims.external_user_id,
            "s": claims.subscription_id,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
    )
    signed = f"{VERSION}.{_b64(body)}"
    return f"{signed}.{_b64(_mac(key, signed))}"


def decision_key(token: str) -> bytes:
    """A 16-byte digest identifying the decision (stored with its events and fulfillment)."""
    return hashlib.blake2b(token.encode(), digest_size=16).digest()


def verify(
    token: str, key: bytes, *, now: datetime, field: str = "personalizedOfferId"
) -> DecisionClaims:
    """The claims of a token we signed, still usable at ``now``; ``InvalidToken`` otherwise."""
    parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else []
    if len(parts) != 3 or parts[0] != VERSION:
        raise InvalidToken(field, "MALFORMED", "not a personalized offer id issued by this gateway")
    try:
        mac = _unb64(parts[2])
    except ValueError:
        mac = b""
    if not hmac.compare_digest(mac, _mac(key, f"{parts[0]}.{parts[1]}")):
        raise InvalidToken(
            field, "BAD_SIGNATURE", "signature does not match (altered, or issued elsewhere)"
        )
    try:
        body = orjson.loads(_unb64(parts[1]))
        claims = DecisionClaims(
            play_id=_text(body["p"]),
            offer_id=_text(body["o"]),
            customer_id=_text(body["c"]),
            external_user_id=None if body["u"] is None else _text(body["u"], most=128),
            subscription_id=None if body["s"] is None else _text(body["s"]),
            issued_at=datetime.fromtimestamp(int(body["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(body["exp"]), UTC),
        )
    # Only we sign tokens, but a token of an older format or a leaked key must still be refused
    # cleanly: wrong types, and times out of datetime's range (OverflowError, OSError).
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        raise InvalidToken(field, "MALFORMED", "unreadable personalized offer id") from None
    if now > claims.expires_at + EVENT_GRACE:
        raise InvalidToken(
            field, "EXPIRED", "this decision is too old; fetch personalizedOffers again"
        )
    return claims


def _text(value: object, *, most: int | None = None) -> str:
    # What we sign is always text PostgreSQL can store (no NUL), within the columns' bounds.
    if (
        isinstance(value, str)
        and value
        and "\x00" not in value
        and len(value) <= (most or len(value))
    ):
        return value
    raise ValueError("expected 1 or more characters, without NUL")


_keys: dict[Path, bytes] = {}


def signing_key(settings: Settings) -> bytes:
    """The HMAC key: GATEWAY_SIGNING_KEY, or in development a random key kept in the data dir.

    The development key is created once (``<data_dir>/offer_signing_key``, mode 0600) and shared
    by every worker and restart, so tokens stay valid across them.
    """
    if settings.signing_key is not None:
        return settings.signing_key.get_secret_value().encode()
    if settings.is_production:
        raise RuntimeError(f"{env_name('signing_key')} is required in production")
    # Looked up by the directory as configured: resolving it is file-system calls per request.
    key = _keys.get(settings.data_dir)
    if key is None:
        key = _keys[settings.data_dir] = _development_key((settings.data_dir / KEY_FILE).resolve())
    return key


def _development_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: a concurrent starter either wins
    # the link or reads the complete key of the one that did, never a half-written file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_hex(32).encode())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes().strip()
