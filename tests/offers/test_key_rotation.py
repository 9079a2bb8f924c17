"""Signing-key rotation through the API: gateways configured as an operator rotates the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from gateway.settings import load_settings
from tests.conftest import http_client

OFFERS = '{ personalizedOffers(input: {customerId: "demo-b2c"}) { offers { id offerId } } }'
VIEWED = "mutation($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { type } }"
MAY = "2026-05:may-secret-0123456789abcdef0123456789"
JUNE = "2026-06:june-secret-0123456789abcdef012345678"


async def _offer_id(http: httpx.AsyncClient) -> str:
    body = (await http.post("/graphql", json={"query": OFFERS})).json()
    offer_id: str = body["data"]["personalizedOffers"]["offers"][0]["id"]
    return offer_id


async def _record_view(http: httpx.AsyncClient, offer_id: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": VIEWED, "variables": {"id": offer_id}})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_a_rotation_step_by_step(database_dsn: str, tmp_path: Path) -> None:
    def gateway(keys: str) -> Any:
        return http_client(
            load_settings(database_url=database_dsn, data_dir=tmp_path, signing_keys=keys)
        )

    # given an offer id issued while May's key was the only one
    async with gateway(MAY) as may:
        issued_in_may = await _offer_id(may)
    assert issued_in_may.split(".")[1] == "2026-05"

    # when June's key is added, newest last: May's ids still verify, new ids carry June's key
    async with gateway(f"{MAY},{JUNE}") as both:
        accepted = await _record_view(both, issued_in_may)
        assert accepted["data"]["recordOfferEvent"] == {"type": "VIEWED"}
        issued_in_june = await _offer_id(both)
    assert issued_in_june.split(".")[1] == "2026-06"

    # then once May's key is removed, May's ids are refused with RETIRED_KEY, June's verify
    async with gateway(JUNE) as june:
        refused = await _record_view(june, issued_in_may)
        accepted = await _record_view(june, issued_in_june)
        assert accepted["data"]["recordOfferEvent"] == {"type": "VIEWED"}
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["reason"] == "RETIRED_KEY"
    assert error["message"].startswith("personalizedOfferId: signed with key '2026-05'")
