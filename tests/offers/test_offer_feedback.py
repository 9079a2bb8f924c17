"""Offer events and fulfillments: cool-down, accept limits, updates, 7-day expiry, token checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from gateway.offers.tokens import DecisionClaims, KeyRing, sign
from tests.conftest import Gql
from tests.offers.queries import (
    CREATE_FULFILLMENT,
    GET_FULFILLMENT,
    NOW,
    OFFERS,
    RECORD_EVENT,
    UPDATE_FULFILLMENT,
)


async def decision(gql: Gql, now: datetime = NOW, **input: Any) -> dict[str, Any]:
    result = await gql(OFFERS, {"input": {"customerId": "demo-b2c", **input}}, now=now)
    assert result.errors is None and result.data is not None, result.errors
    payload: dict[str, Any] = result.data["personalizedOffers"]
    return payload


async def run(gql: Gql, query: str, now: datetime = NOW, **variables: Any) -> dict[str, Any]:
    result = await gql(query, variables, now=now)
    assert result.errors is None and result.data is not None, result.errors
    data: dict[str, Any] = result.data
    return data


async def error_of(gql: Gql, query: str, now: datetime = NOW, **variables: Any) -> dict[str, Any]:
    result = await gql(query, variables, now=now)
    assert result.errors is not None, result.data
    (error,) = result.errors
    return {"message": error.message, **(error.extensions or {})}


async def annual_offer_id(gql: Gql, now: datetime = NOW) -> str:
    payload = await decision(gql, now)
    assert payload["offers"][0]["offerId"] == "acme-annual-upgrade"
    offer_id: str = payload["offers"][0]["id"]
    return offer_id


async def test_dismissal_starts_the_cooldown(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    event = await run(gql, RECORD_EVENT, id=offer_id, type="DISMISSED")
    assert event["recordOfferEvent"]["type"] == "DISMISSED"
    # within the 7-day cool-down: nothing, and ask again when it ends or after the default TTL
    later = NOW + timedelta(days=1)
    cooling = await decision(gql, later)
    assert cooling["offers"] == []
    assert cooling["expiresAt"] == (later + timedelta(minutes=15)).isoformat()
    near_end = NOW + timedelta(days=7, minutes=-5)
    assert (await decision(gql, near_end))["expiresAt"] == (NOW + timedelta(days=7)).isoformat()
    # after it, the offer is back
    assert (await decision(gql, NOW + timedelta(days=7)))["offers"][0]["offerId"] == (
        "acme-annual-upgrade"
    )


async def test_views_do_not_cool_down(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    await run(gql, RECORD_EVENT, id=offer_id, type="VIEWED")
    assert (await decision(gql, NOW + timedelta(minutes=1)))["offers"]


async def test_accept_then_complete_a_redirect(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    created = (await run(gql, CREATE_FULFILLMENT, id=offer_id, option="learn-more"))[
        "createOfferFulfillment"
    ]
    assert created["status"] == "IN_PROGRESS"
    assert created["processingType"] == "URL_REDIRECT"
    assert created["redirectUrl"] == "https://acme.example/plans/annual"
    assert created["createdAt"] == NOW.isoformat()
    # a retried accept returns the same fulfillment; another option conflicts
    again = await run(gql, CREATE_FULFILLMENT, id=offer_id, option="learn-more")
    assert again["createOfferFulfillment"]["id"] == created["id"]
    conflict = await error_of(gql, CREATE_FULFILLMENT, id=offer_id, option="switch-annual")
    assert conflict["code"] == "CONFLICT"
    done = await run(
        gql, UPDATE_FULFILLMENT, NOW + timedelta(hours=1), id=created["id"], status="COMPLETED"
    )
    assert done["updateOfferFulfillment"]["status"] == "COMPLETED"
    assert done["updateOfferFulfillment"]["failureReason"] is None
    # max 1 accept per customer: the play is no longer offered
    assert (await decision(gql, NOW + timedelta(hours=2)))["offers"] == []


async def test_accept_limit_holds_for_an_older_decision(gql: Gql) -> None:
    first, second = await annual_offer_id(gql), await annual_offer_id(gql, NOW + timedelta(1))
    await run(gql, CREATE_FULFILLMENT, id=first, option="switch-annual")
    refused = await error_of(
        gql, CREATE_FULFILLMENT, NOW + timedelta(days=1), id=second, option="switch-annual"
    )
    assert refused["code"] == "LIMIT_EXCEEDED"


async def test_unknown_option_is_bad_input(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    error = await error_of(gql, CREATE_FULFILLMENT, id=offer_id, option="nope")
    assert error["code"] == "BAD_USER_INPUT" and error["message"].startswith("optionId:")


UPDATE_RULES = [
    # option, status, failure reason, expected code (None: accepted)
    ("switch-annual", "COMPLETED", None, "BAD_USER_INPUT"),  # billing updates: billing system
    ("learn-more", "FAILED", None, "BAD_USER_INPUT"),  # reason required
    ("learn-more", "COMPLETED", {"code": "INTERNAL_ERROR"}, "BAD_USER_INPUT"),
    ("learn-more", "FAILED", {"code": "FULFILLMENT_EXPIRED"}, "BAD_USER_INPUT"),
    ("learn-more", "FAILED", {"code": "EXTERNAL_FULFILLMENT_FAILED", "message": "404"}, None),
]


@pytest.mark.parametrize(("option", "status", "reason", "code"), UPDATE_RULES)
async def test_update_rules(
    gql: Gql, option: str, status: str, reason: dict[str, str] | None, code: str | None
) -> None:
    offer_id = await annual_offer_id(gql)
    created = await run(gql, CREATE_FULFILLMENT, id=offer_id, option=option)
    fulfillment_id = created["createOfferFulfillment"]["id"]
    variables = {"id": fulfillment_id, "status": status, "reason": reason}
    if code is None:
        updated = (await run(gql, UPDATE_FULFILLMENT, **variables))["updateOfferFulfillment"]
        assert updated["status"] == status
        assert updated["failureReason"] == {"code": reason["code"], "message": "404"}  # type: ignore[index]
    else:
        assert (await error_of(gql, UPDATE_FULFILLMENT, **variables))["code"] == code


async def test_in_progress_for_seven_days_reads_as_expired(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    created = await run(gql, CREATE_FULFILLMENT, id=offer_id, option="learn-more")
    fulfillment_id = created["createOfferFulfillment"]["id"]
    almost = await run(gql, GET_FULFILLMENT, NOW + timedelta(days=7, seconds=-1), id=fulfillment_id)
    assert almost["offerFulfillment"]["status"] == "IN_PROGRESS"
    week = NOW + timedelta(days=7)
    expired = (await run(gql, GET_FULFILLMENT, week, id=fulfillment_id))["offerFulfillment"]
    assert expired["status"] == "FAILED"
    assert expired["failureReason"] == {"code": "FULFILLMENT_EXPIRED", "message": None}
    late = await error_of(gql, UPDATE_FULFILLMENT, week, id=fulfillment_id, status="COMPLETED")
    assert late["code"] == "CONFLICT" and "FULFILLMENT_EXPIRED" in late["message"]


MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    (RECORD_EVENT, {"type": "VIEWED"}),
    (CREATE_FULFILLMENT, {"option": "learn-more"}),
]


def _tamper(token: str) -> str:
    head, body, mac = token.rsplit(".", 2)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    return f"{head}.{flipped}.{mac}"


async def test_tampered_foreign_and_garbage_tokens_are_rejected(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)
    foreign = sign(
        DecisionClaims("acme-annual-upgrade", "acme-annual-upgrade", "demo-b2c", None, None, NOW,
                       NOW + timedelta(minutes=30)),
        KeyRing.single(b"someone else's key"),
    )  # fmt: skip
    cases = {_tamper(offer_id): "BAD_SIGNATURE", foreign: "BAD_SIGNATURE", "hello": "MALFORMED"}
    for token, reason in cases.items():
        for query, extra in MUTATIONS:
            error = await error_of(gql, query, id=token, **extra)
            assert (error["code"], error["reason"]) == ("BAD_USER_INPUT", reason)
            assert error["message"].startswith("personalizedOfferId:")


async def test_a_decision_is_usable_for_a_day_after_it_expires(gql: Gql) -> None:
    offer_id = await annual_offer_id(gql)  # expires at NOW + 30 min
    ok_at = NOW + timedelta(minutes=30) + timedelta(days=1)
    await run(gql, RECORD_EVENT, ok_at, id=offer_id, type="VIEWED")
    error = await error_of(
        gql, RECORD_EVENT, ok_at + timedelta(seconds=1), id=offer_id, type="VIEWED"
    )
    assert error["reason"] == "EXPIRED"


async def test_malformed_fulfillment_id(gql: Gql) -> None:
    error = await error_of(gql, UPDATE_FULFILLMENT, id="???", status="COMPLETED")
    assert error["code"] == "BAD_USER_INPUT" and error["message"].startswith("id:")
