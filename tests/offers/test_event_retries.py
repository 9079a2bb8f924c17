"""A retried recordOfferEvent counts once: same decision and type → the first record."""

from __future__ import annotations

import asyncpg

from tests.conftest import Gql

OFFER = '{ personalizedOffers(input: {customerId: "demo-b2c"}) { offers { id } } }'
EVENT = """mutation ($id: ID!, $type: OfferEventType!) {
  recordOfferEvent(personalizedOfferId: $id, type: $type) { id occurredAt } }"""


async def test_the_same_event_twice_is_recorded_once(gql: Gql, pool: asyncpg.Pool) -> None:
    served = await gql(OFFER)
    assert served.data is not None
    token = served.data["personalizedOffers"]["offers"][0]["id"]

    first = await gql(EVENT, {"id": token, "type": "VIEWED"})
    retry = await gql(EVENT, {"id": token, "type": "VIEWED"})
    dismissed = await gql(EVENT, {"id": token, "type": "DISMISSED"})

    assert first.data is not None and retry.data is not None and dismissed.data is not None
    assert retry.data == first.data
    assert dismissed.data["recordOfferEvent"]["id"] != first.data["recordOfferEvent"]["id"]
    counts = await pool.fetch(
        "SELECT type::text, count(*) FROM offer_events WHERE customer_id = 'demo-b2c'"
        " GROUP BY type ORDER BY type"
    )
    assert {r["type"]: r["count"] for r in counts} == {"viewed": 1, "dismissed": 1}
