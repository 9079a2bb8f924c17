"""Decision tokens (REFERENCE C.8), the signing-key ring and its rotation, without a database."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from gateway.offers.tokens import (
    DecisionClaims,
    InvalidToken,
    KeyRing,
    sign,
    signing_keys,
    verify,
)
from gateway.settings import SettingsError, load_settings

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CLAIMS = DecisionClaims("play", "offer", "cust", "user", "sub", NOW, NOW + timedelta(minutes=15))
RING = KeyRing.single(b"k")
MAY = (("2026-05", b"may secret"),)
JUNE = (("2026-06", b"june secret"),)


def _reason(token: str, ring: KeyRing) -> str:
    with pytest.raises(InvalidToken) as caught:
        verify(token, ring, now=NOW)
    return caught.value.reason


def test_round_trip() -> None:
    assert verify(sign(CLAIMS, RING), RING, now=NOW) == CLAIMS


@pytest.mark.parametrize(
    "token",
    ["", "po3.k.a.b", "po1.a.b.c", "po2.a.b", "po2.bad id!.a.b", "po2.k." + "a" * 3000 + ".b"],
)
def test_malformed(token: str) -> None:
    assert _reason(token, RING) == "MALFORMED"


def test_any_change_breaks_the_signature() -> None:
    token = sign(CLAIMS, RING)
    for i in range(4, len(token)):
        if token[i] == ".":
            continue
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(InvalidToken):
            verify(changed, RING, now=NOW)
    assert _reason(token, KeyRing.single(b"other key")) == "BAD_SIGNATURE"


def test_new_tokens_carry_the_newest_key_id() -> None:
    token = sign(CLAIMS, KeyRing(MAY + JUNE))
    assert token.split(".")[:2] == ["po2", "2026-06"]


def test_rotation_old_tokens_verify_until_their_key_is_removed() -> None:
    # given a token signed before the rotation
    old = sign(CLAIMS, KeyRing(MAY))
    # when June's key is added (newest last), May's tokens still verify and new ones use June
    rotated = KeyRing(MAY + JUNE)
    assert verify(old, rotated, now=NOW) == CLAIMS
    new = sign(CLAIMS, rotated)
    assert verify(new, KeyRing(JUNE), now=NOW) == CLAIMS
    # then once May's key is removed, its tokens are refused with RETIRED_KEY
    assert _reason(old, KeyRing(JUNE)) == "RETIRED_KEY"
    with pytest.raises(InvalidToken, match="key '2026-05'"):
        verify(old, KeyRing(JUNE), now=NOW)


def test_a_key_id_cannot_be_swapped_for_another() -> None:
    token = sign(CLAIMS, KeyRing(MAY + JUNE))
    swapped = token.replace(".2026-06.", ".2026-05.", 1)
    assert _reason(swapped, KeyRing(MAY + JUNE)) == "BAD_SIGNATURE"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _first_format(key: bytes) -> str:
    """A token as the gateway signed them before key ids: ``po1.<claims>.<MAC>``."""
    times = {"iat": int(NOW.timestamp()), "exp": int(CLAIMS.expires_at.timestamp())}
    body = {"p": "play", "o": "offer", "c": "cust", "u": "user", "s": "sub", **times}
    head = f"po1.{_b64(orjson.dumps(body))}"
    return f"{head}.{_b64(hmac.new(key, head.encode(), hashlib.sha256).digest()[:16])}"


def test_first_format_tokens_verify_with_the_default_key_only() -> None:
    legacy = _first_format(b"the old single key")
    assert verify(legacy, KeyRing.single(b"the old single key"), now=NOW) == CLAIMS
    with_rotation = KeyRing((("default", b"the old single key"), *JUNE))
    assert verify(legacy, with_rotation, now=NOW) == CLAIMS
    assert _reason(legacy, KeyRing(JUNE)) == "RETIRED_KEY"


def test_development_key_is_created_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "a", env="development")
    ring = signing_keys(settings)
    assert ring.newest_id == "default"
    assert len(ring.newest) == 64
    assert (tmp_path / "a" / "offer_signing_key").stat().st_mode & 0o777 == 0o600
    again = signing_keys(load_settings(data_dir=tmp_path / "a", env="development"))
    assert again.newest == ring.newest
    other = signing_keys(load_settings(data_dir=tmp_path / "b", env="development"))
    assert other.newest != ring.newest


def test_configured_key_wins(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, signing_key="s3cret", env="development")
    assert signing_keys(settings) == KeyRing.single(b"s3cret")


def test_configured_keys_newest_last(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, signing_keys="2026-05:may secret, 2026-06:june:secret"
    )
    ring = signing_keys(settings)
    assert ring.newest_id == "2026-06"
    assert ring.get("2026-05") == b"may secret"
    assert ring.newest == b"june:secret"  # only the first colon separates the id


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("no-colon", "entry 1"),
        ("a:x,b:", "entry 2"),
        ("bad id:x", "entry 1"),
        ("a:x,a:y", "appears twice"),
    ],
)
def test_malformed_keys_setting_is_named(value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=f"GATEWAY_SIGNING_KEYS' is invalid: .*{problem}"):
        load_settings(signing_keys=value)


def test_one_key_setting_or_the_other() -> None:
    with pytest.raises(SettingsError, match="not both"):
        load_settings(signing_key="k", signing_keys="a:x")


def test_the_secret_is_never_shown() -> None:
    assert "june secret" not in repr(KeyRing(JUNE))
    with pytest.raises(SettingsError) as caught:
        load_settings(signing_keys="2026-06:june secret,")
    assert "june secret" not in str(caught.value)
