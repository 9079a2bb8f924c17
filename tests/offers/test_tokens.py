"""Decision tokens (REFERENCE C.8) and the signing key, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.offers.tokens import DecisionClaims, InvalidToken, sign, signing_key, verify
from gateway.settings import load_settings

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CLAIMS = DecisionClaims("play", "offer", "cust", "user", "sub", NOW, NOW + timedelta(minutes=15))


def test_round_trip() -> None:
    assert verify(sign(CLAIMS, b"k"), b"k", now=NOW) == CLAIMS


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "MALFORMED"),
        ("po2.a.b", "MALFORMED"),
        ("po1.a.b.c", "MALFORMED"),
        ("po1." + "a" * 3000, "MALFORMED"),
    ],
)
def test_malformed(token: str, reason: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        verify(token, b"k", now=NOW)
    assert caught.value.reason == reason


def test_any_change_breaks_the_signature() -> None:
    token = sign(CLAIMS, b"k")
    for i in range(4, len(token)):
        if token[i] == ".":
            continue
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(InvalidToken):
            verify(changed, b"k", now=NOW)
    with pytest.raises(InvalidToken) as caught:
        verify(token, b"other key", now=NOW)
    assert caught.value.reason == "BAD_SIGNATURE"


def test_development_key_is_created_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "a", env="development")
    key = signing_key(settings)
    assert len(key) == 64
    assert (tmp_path / "a" / "offer_signing_key").stat().st_mode & 0o777 == 0o600
    assert signing_key(load_settings(data_dir=tmp_path / "a", env="development")) == key
    assert signing_key(load_settings(data_dir=tmp_path / "b", env="development")) != key


def test_configured_key_wins(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, signing_key="s3cret", env="development")
    assert signing_key(settings) == b"s3cret"
