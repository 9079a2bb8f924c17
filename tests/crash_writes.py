"""Fifty clients writing through a crash, and the ledger checked afterwards (tests/test_crash_*.py).

Each client is a customer of its own (``crash-<n>``, acme), so clients do not queue behind one
customer's lock, and makes ``ROUNDS`` rounds of three writes: a redemption of ``crash-test`` with
its own idempotency key, a VIEWED event and an accept (createOfferFulfillment) of a decision of
its own. All share the promotion-level limit, which they attempt more often than it allows. A
write is *acknowledged* when the gateway answers it with data: a Redemption, a RedemptionRejected
(a recorded outcome), an event, a fulfillment. Anything else (a transport error, a 502/503/504,
DATABASE_UNAVAILABLE or TIMEOUT) leaves it unacknowledged, and the client sends the very same
request again, until acknowledged or the deadline.

Afterwards (``check_ledger``): every write was acknowledged; each acknowledged one is in the
database exactly once, as acknowledged (the same redemption id, outcome, event id, fulfillment
id); the limit counters equal the ledger; no limit is exceeded.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from gateway.offers.feedback import parse_fulfillment_id
from gateway.offers.tokens import DecisionClaims, KeyRing, sign

CLIENTS = 50
ROUNDS = 1
PACE_S = 0.1  # between a client's writes: the writes span the crash
PROMOTION_LIMIT = 40  # redemptions of crash-test in all; the clients attempt CLIENTS * ROUNDS
SIGNING_KEY = "crash-safety-signing-key-0123456789"
PLAY = "acme-annual-upgrade"  # an acme play (its audience is not checked on feedback)
RETRYABLE_CODES = {"DATABASE_UNAVAILABLE", "TIMEOUT"}

# (statement, its parameters): $1 is the number of clients (customers crash-0, crash-1, ...).
SETUP: list[tuple[str, tuple[object, ...]]] = [
    ("INSERT INTO customers (customer_id, segment)"
     " SELECT 'crash-' || n, 'consumer' FROM generate_series(0, $1 - 1) AS n", (CLIENTS,)),
    ("INSERT INTO customer_brands (customer_id, brand_id)"
     " SELECT 'crash-' || n, 'acme' FROM generate_series(0, $1 - 1) AS n", (CLIENTS,)),
    ("INSERT INTO promotions (promotion_id, brand_id, name, kind)"
     " VALUES ('crash-test', 'acme', 'Crash test', 'issued')", ()),
    ("INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, event_time)"
     " SELECT 'crash-' || n, 'crash-test', 'acme', now() FROM generate_series(0, $1 - 1) AS n",
     (CLIENTS,)),
    ("INSERT INTO promotion_restrictions (promotion_id, level, kpi, max_limit)"
     " VALUES ('crash-test', 'customer', 'redemption', 100000),"
     " ('crash-test', 'promotion', 'redemption', $1)", (PROMOTION_LIMIT,)),
    ("UPDATE plays SET max_accepts_per_customer = NULL WHERE play_id = $1", (PLAY,)),
]  # fmt: skip

REDEEM = """mutation ($input: RedeemCartPromotionInput!) { redeemCartPromotion(input: $input) {
  __typename ... on Redemption { redemptionId } ... on RedemptionRejected { code } } }"""
EVENT = "mutation ($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { id } }"
ACCEPT = """mutation ($id: ID!) {
  createOfferFulfillment(personalizedOfferId: $id, optionId: "learn-more") { id } }"""


@dataclass
class Writes:
    """What the clients were told, and how it went."""

    redemptions: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (type, id/code)
    events: dict[str, str] = field(default_factory=dict)  # decision token -> event id
    fulfillments: dict[str, str] = field(default_factory=dict)  # decision token -> fulfillment id
    unacknowledged: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # answers no retry should ever see
    retries: int = 0
    retried_on: Counter[str] = field(default_factory=Counter)  # why: status, code or error
    acknowledged_at: list[float] = field(default_factory=list)  # monotonic
    flowing: asyncio.Event = field(default_factory=asyncio.Event)

    def retry(self, why: str) -> None:
        """Count a write sent again, and why."""
        self.retries += 1
        self.retried_on[why] += 1

    def acknowledged(self) -> None:
        """Count a write acknowledged, and when."""
        self.acknowledged_at.append(time.monotonic())
        if len(self.acknowledged_at) >= CLIENTS:
            self.flowing.set()


async def prepare(dsn: str) -> None:
    """Add the crash test's promotion and lift the play's accept limit (demo data present)."""
    conn = await asyncpg.connect(dsn)
    try:
        for statement, parameters in SETUP:
            await conn.execute(statement, *parameters)
    finally:
        await conn.close()


_users = itertools.count()


def decision(customer: str) -> str:
    """A fresh decision token of PLAY for ``customer`` (a new end user), signed as the gateway
    does (the clients hold its key)."""
    now = datetime.now(UTC)
    claims = DecisionClaims(
        PLAY, PLAY, customer, f"crash-{next(_users)}", None, now, now + timedelta(minutes=30)
    )
    return sign(claims, KeyRing.single(SIGNING_KEY.encode()))


async def _send(
    http: httpx.AsyncClient, body: dict[str, Any], field_name: str, writes: Writes, deadline: float
) -> dict[str, Any] | None:
    """POST ``body`` until it is acknowledged; the field's data, or None at the deadline."""
    while time.monotonic() < deadline:
        try:
            response = await http.post("/graphql", json=body)
        except httpx.TransportError as exc:
            writes.retry(type(exc).__name__)
            await asyncio.sleep(0.1)
            continue
        if response.status_code in (502, 503, 504):
            writes.retry(str(response.status_code))
            await asyncio.sleep(0.1)
            continue
        answer = response.json()
        codes = {e.get("extensions", {}).get("code") for e in answer.get("errors") or ()}
        if codes and codes <= RETRYABLE_CODES:
            writes.retry(",".join(sorted(codes)))
            await asyncio.sleep(0.1)
            continue
        data = (answer.get("data") or {}).get(field_name)
        if response.status_code != 200 or codes or data is None:
            writes.unexpected.append(f"{response.status_code} {response.text[:300]}")
            return None
        writes.acknowledged()
        result: dict[str, Any] = data
        return result
    writes.unacknowledged.append(str(body["variables"])[:200])
    return None


async def _client(http: httpx.AsyncClient, number: int, writes: Writes, deadline: float) -> None:
    # Staggered starts: the clients' requests spread over time rather than arriving in waves,
    # so that some are in flight whenever the crash comes.
    await asyncio.sleep(number * PACE_S / CLIENTS)
    customer = f"crash-{number}"
    for round_ in range(ROUNDS):
        key = f"crash-{number}-{round_}"
        redemption = {"customerId": customer, "promotionId": "crash-test",
                      "transactionId": key, "cartId": key, "amount": "1.00",
                      "idempotencyKey": key}  # fmt: skip
        body = {"query": REDEEM, "variables": {"input": redemption}}
        redeemed = await _send(http, body, "redeemCartPromotion", writes, deadline)
        if redeemed is not None:
            outcome = redeemed.get("redemptionId") or redeemed.get("code")
            writes.redemptions[key] = (redeemed["__typename"], str(outcome))
        await asyncio.sleep(PACE_S)
        token = decision(customer)
        event = await _send(http, {"query": EVENT, "variables": {"id": token}},
                            "recordOfferEvent", writes, deadline)  # fmt: skip
        if event is not None:
            writes.events[token] = event["id"]
        await asyncio.sleep(PACE_S)
        accepted = await _send(http, {"query": ACCEPT, "variables": {"id": token}},
                               "createOfferFulfillment", writes, deadline)  # fmt: skip
        if accepted is not None:
            writes.fulfillments[token] = accepted["id"]
        await asyncio.sleep(PACE_S)


def start_clients(
    http: httpx.AsyncClient, writes: Writes, budget_s: float
) -> list[asyncio.Task[None]]:
    """CLIENTS clients writing through ``http`` (bounded by ``budget_s``), as tasks."""
    deadline = time.monotonic() + budget_s
    return [asyncio.create_task(_client(http, n, writes, deadline)) for n in range(CLIENTS)]


async def check_ledger(dsn: str, writes: Writes) -> None:
    """Every write acknowledged, present exactly once as acknowledged; counters = ledger."""
    assert writes.unexpected == [], writes.unexpected[:5]
    assert writes.unacknowledged == [], writes.unacknowledged[:5]
    assert len(writes.redemptions) == CLIENTS * ROUNDS
    assert len(writes.events) == len(writes.fulfillments) == CLIENTS * ROUNDS
    conn = await asyncpg.connect(dsn)
    try:
        ledger = await conn.fetch(
            "SELECT idempotency_key, outcome::text, redemption_id FROM redemptions"
            " WHERE promotion_id = 'crash-test'"
        )
        # Per limit: its maximum, and what its counters add up to (one shared counter at the
        # promotion level, one per customer at the customer level).
        usage = await conn.fetch(
            "SELECT r.level::text, r.max_limit,"
            "       coalesce(u.used, 0) + coalesce((SELECT sum(c.used)"
            "         FROM customer_restriction_usage c"
            "        WHERE c.restriction_id = r.restriction_id), 0) AS used,"
            "       (SELECT max(c.used) FROM customer_restriction_usage c"
            "         WHERE c.restriction_id = r.restriction_id) AS most_by_one"
            "  FROM promotion_restrictions r"
            "  LEFT JOIN promotion_restriction_usage u USING (restriction_id)"
            " WHERE r.promotion_id = 'crash-test'"
        )
        events = await conn.fetch(
            "SELECT event_id::text, type::text, decision_key FROM offer_events"
            " WHERE customer_id LIKE 'crash-%' AND play_id = $1",
            PLAY,
        )
        fulfillments = await conn.fetch(
            "SELECT fulfillment_id, decision_key FROM offer_fulfillments"
            " WHERE customer_id LIKE 'crash-%' AND play_id = $1",
            PLAY,
        )
    finally:
        await conn.close()

    # Redemptions: one ledger row per key, as the client was told.
    assert sorted(r["idempotency_key"] for r in ledger) == sorted(writes.redemptions)
    for row in ledger:
        answered, said = writes.redemptions[row["idempotency_key"]]
        if answered == "Redemption":
            assert (row["outcome"], str(row["redemption_id"])) == ("redeemed", said)
        else:
            assert (answered, row["outcome"], said) == ("RedemptionRejected", "limit_reached",
                                                    "LIMIT_REACHED")  # fmt: skip
    redeemed = sum(1 for row in ledger if row["outcome"] == "redeemed")
    assert redeemed == PROMOTION_LIMIT, "more attempts than the limit: exactly the limit redeemed"
    for row in usage:  # each limit's counters add up to the ledger; none beyond its limit
        assert row["used"] == redeemed, dict(row)
        by_one = row["used"] if row["level"] == "promotion" else row["most_by_one"]
        assert by_one <= row["max_limit"], dict(row)

    # Events and fulfillments: once per decision, with the ids the clients were given.
    viewed = [e for e in events if e["type"] == "viewed"]
    accepted = [e for e in events if e["type"] == "accepted"]
    assert sorted(e["event_id"] for e in viewed) == sorted(writes.events.values())
    assert len({e["decision_key"] for e in viewed}) == len(viewed)
    assert len(fulfillments) == len({f["decision_key"] for f in fulfillments})
    assert len(fulfillments) == len(writes.fulfillments)
    told = sorted(str(parse_fulfillment_id(i)[1]) for i in writes.fulfillments.values())
    assert sorted(str(f["fulfillment_id"]) for f in fulfillments) == told
    assert len(accepted) == len(fulfillments), "one ACCEPTED event per fulfillment"
