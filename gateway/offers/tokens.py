"""Personalized-offer ids: HMAC-signed, self-contained decision tokens (REFERENCE C.8).

A token names the play, offer, customer, end user and subscription of one decision, when it was
made and when it expires; serving a decision writes nothing, and events and fulfillments trust a
token only when its signature checks out. Format:
``po2.<key id>.<base64url JSON claims>.<base64url MAC>`` (HMAC-SHA256 over everything before the
last dot, truncated to 128 bits). New tokens are signed with the newest key of the ring; a token
verifies while its key is in the ring (``RETIRED_KEY`` once it is removed). Tokens of the first
format, ``po1.<claims>.<MAC>``, carry no key id: they verify with the key whose id is ``default``
(the one GATEWAY_SIGNING_KEY alone sets), which is the key that signed them.

Why not a JWT library: measured with timeit on these machines (docs/security.md), signing and
verifying one of these tokens took 19-27 us here and 180-270 us with PyJWT 2.15 (signing alone:
6-14 us here, 30-63 us with ``jwt.encode``). personalizedOffers signs one token per decision at
about 1 ms per request, so PyJWT would cost 2-5 % of its throughput, for a format nobody outside
this gateway reads. The primitives are the standard library's ``hmac`` (constant-time comparison
included).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from gateway.errors import ErrorCode, GatewayError
from gateway.settings import KEY_ID, Settings, env_name, signing_key_entries

VERSION = "po2"
LEGACY_VERSION = "po1"
# The id of the key GATEWAY_SIGNING_KEY (or the development key file) sets, and of the key that
# verifies ``po1`` tokens.
DEFAULT_KEY_ID = "default"
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


@dataclass(frozen=True)
class KeyRing:
    """The signing keys by id, in order; the last one signs new tokens.

    >>> ring = KeyRing((("2026-05", b"old secret"), ("2026-06", b"new secret")))
    >>> ring.newest_id
    '2026-06'
    """

    keys: tuple[tuple[str, bytes], ...] = dataclasses.field(repr=False)
    by_id: dict[str, bytes] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a key ring needs at least one key")
        object.__setattr__(self, "by_id", dict(self.keys))

    @classmethod
    def single(cls, key: bytes, key_id: str = DEFAULT_KEY_ID) -> KeyRing:
        """A ring of one key."""
        return cls(((key_id, key),))

    @property
    def newest_id(self) -> str:
        """The id of the key that signs new tokens."""
        return self.keys[-1][0]

    @property
    def newest(self) -> bytes:
        """The key that signs new tokens."""
        return self.keys[-1][1]

    def get(self, key_id: str) -> bytes | None:
        """The key with ``key_id``, or None when the ring no longer (or never) held it."""
        return self.by_id.get(key_id)


class InvalidToken(GatewayError):
    """A personalizedOfferId that is not one of ours.

    Reasons: MALFORMED, RETIRED_KEY (its key was removed from the ring), BAD_SIGNATURE, EXPIRED.
    """

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


def sign(claims: DecisionClaims, ring: KeyRing) -> str:
    """The token for ``claims``, signed with the ring's newest key.

    >>> ring = KeyRing((("2026-06", b"a secret of enough length for the test"),))
    >>> at = datetime(2026, 6, 1, tzinfo=UTC)
    >>> claims = DecisionClaims("play", "offer", "c1", None, None, at, at + timedelta(minutes=15))
    >>> token = sign(claims, ring)
    >>> verify(token, ring, now=claims.issued_at) == claims
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
    signed = f"{VERSION}.{ring.newest_id}.{_b64(body)}"
    return f"{signed}.{_b64(_mac(ring.newest, signed))}"


def decision_key(token: str) -> bytes:
    """A 16-byte digest identifying the decision (stored with its events and fulfillment)."""
    return hashlib.blake2b(token.encode(), digest_size=16).digest()


def verify(
    token: str, ring: KeyRing, *, now: datetime, field: str = "personalizedOfferId"
) -> DecisionClaims:
    """The claims of a token we signed, still usable at ``now``; ``InvalidToken`` otherwise."""
    parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else []
    if len(parts) == 4 and parts[0] == VERSION and KEY_ID.match(parts[1]):
        key_id = parts[1]
    elif len(parts) == 3 and parts[0] == LEGACY_VERSION:
        key_id = DEFAULT_KEY_ID
    else:
        raise InvalidToken(field, "MALFORMED", "not a personalized offer id issued by this gateway")
    key = ring.get(key_id)
    if key is None:
        raise InvalidToken(
            field,
            "RETIRED_KEY",
            f"signed with key '{key_id}', which this gateway no longer holds; "
            "fetch personalizedOffers again",
        )
    try:
        mac = _unb64(parts[-1])
    except ValueError:
        mac = b""
    if not hmac.compare_digest(mac, _mac(key, token[: token.rindex(".")])):
        raise InvalidToken(
            field, "BAD_SIGNATURE", "signature does not match (altered, or issued elsewhere)"
        )
    try:
        body = orjson.loads(_unb64(parts[-2]))
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


_rings: dict[tuple[str | None, str | None, Path], KeyRing] = {}


def signing_keys(settings: Settings) -> KeyRing:
    """The key ring: GATEWAY_SIGNING_KEYS, GATEWAY_SIGNING_KEY (id ``default``), or in development
    a random key kept in the data dir (id ``default``).

    The development key is created once (``<data_dir>/offer_signing_key``, mode 0600) and shared
    by every worker and restart, so tokens stay valid across them.
    """
    # Looked up by what is configured (the data dir as given: resolving it is file-system calls
    # per request); the ring is built once per configuration.
    keys, key = settings.signing_keys, settings.signing_key
    lookup = (
        None if keys is None else keys.get_secret_value(),
        None if key is None else key.get_secret_value(),
        settings.data_dir,
    )
    ring = _rings.get(lookup)
    if ring is None:
        ring = _rings[lookup] = _ring(settings)
    return ring


def _ring(settings: Settings) -> KeyRing:
    if settings.signing_keys is not None:
        return KeyRing(signing_key_entries(settings.signing_keys.get_secret_value()))
    if settings.signing_key is not None:
        return KeyRing.single(settings.signing_key.get_secret_value().encode())
    if settings.is_production:
        raise RuntimeError(f"{env_name('signing_keys')} is required in production")
    return KeyRing.single(_development_key((settings.data_dir / KEY_FILE).resolve()))


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
