"""When a new answer counts as changed (pure: no database, no server)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import orjson

from gateway.live.answers import Answer

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)


def _token(issued: datetime, expires: datetime, offer: str = "annual") -> str:
    body = {"p": "play", "o": offer, "c": "demo-b2c", "u": None, "s": None,
            "iat": int(issued.timestamp()), "exp": int(expires.timestamp())}  # fmt: skip
    encoded = base64.urlsafe_b64encode(orjson.dumps(body)).decode().rstrip("=")
    return f"po2.k1.{encoded}.mac{int(issued.timestamp())}"


def _offer(now: datetime, *, offer: str = "annual", expires: datetime | None = None) -> Answer:
    expires_at = expires or now + TTL
    data = {
        "personalizedOfferChanged": {
            "expiresAt": expires_at.isoformat(),
            "offers": [{"id": _token(now, expires_at, offer), "offerId": offer}],
        }
    }
    return Answer.of({"data": data, "errors": []}, now)


def test_the_first_answer_is_sent() -> None:
    assert _offer(NOW).differs_from(None)


def test_a_new_token_and_an_expiry_moved_by_its_ttl_are_the_same_answer() -> None:
    later = NOW + timedelta(seconds=40)

    assert not _offer(later).differs_from(_offer(NOW))


def test_another_offer_is_a_new_answer() -> None:
    later = NOW + timedelta(seconds=40)

    assert _offer(later, offer="monthly").differs_from(_offer(NOW))


def test_an_expiry_moved_otherwise_is_a_new_answer() -> None:
    play_end = NOW + timedelta(minutes=5)
    later = NOW + timedelta(seconds=40)

    assert _offer(later, expires=play_end).differs_from(_offer(NOW))


def test_an_answer_whose_expiry_passed_is_sent_again() -> None:
    first = _offer(NOW, expires=NOW + timedelta(seconds=2))
    after_expiry = NOW + timedelta(seconds=2, milliseconds=10)

    assert _offer(after_expiry, expires=after_expiry + timedelta(seconds=2)).differs_from(first)


def test_a_fixed_expiry_that_did_not_move_is_the_same_answer() -> None:
    play_end = NOW + timedelta(minutes=5)

    assert not _offer(NOW + timedelta(seconds=40), expires=play_end).differs_from(
        _offer(NOW, expires=play_end)
    )


def test_errors_count() -> None:
    ok = Answer.of({"data": {"x": 1}, "errors": []}, NOW)
    failed = Answer.of({"data": None, "errors": [{"message": "m"}]}, NOW)

    assert failed.differs_from(ok)
    assert not Answer.of({"data": {"x": 1}, "errors": []}, NOW).differs_from(ok)
