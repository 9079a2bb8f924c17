"""Bugs the fuzz tests found, each pinned by the smallest request that showed it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.offers.tokens import InvalidToken, KeyRing, verify
from tests.fuzz.checks import assert_well_behaved
from tests.fuzz.test_fuzz_decision_tokens import signed

_CLAIMS: dict[str, Any] = {"p": "acme-stay", "o": "acme-stay", "c": "demo-b2c", "u": None}
_CLAIMS |= {"s": None, "iat": 1_767_225_600, "exp": 1_767_229_200}

# A failing non-null field cancels its siblings; one of them shares a DataLoader future with a
# field elsewhere in the tree (same customer, same includeSupplementary).
SHARED_LOADER_CANCELLED = """
{
  cartPromotions(customerId: "demo-loyal") { promotionId }
  _entities(representations: [{__typename: "Customer", id: "demo-loyal"}]) {
    ... on Customer {
      cartPromotions { promotionId }
      personalizedOffers(context: {subscriptionId: "not-a-subscription"}) { expiresAt }
    }
  }
}
"""


async def test_a_cancelled_sibling_does_not_cancel_a_shared_loader_load(
    dev_client: httpx.AsyncClient,
) -> None:
    response = await dev_client.post("/graphql", json={"query": SHARED_LOADER_CANCELLED})

    assert_well_behaved(response)
    body = response.json()
    assert [p["promotionId"] for p in body["data"]["cartPromotions"]]


@pytest.mark.parametrize(
    "body",
    [
        b"\x80",  # not UTF-8
        b"null",
        b"5",
        b'"query"',
        b'{"query": "{ __typename }", "variables": {"v": NaN}}',
        b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
    ],
)
async def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    dev_client: httpx.AsyncClient, body: bytes
) -> None:
    response = await dev_client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert_well_behaved(response)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "query",
    [
        "{}",
        "{ ... on Query {} }",
        'query { cartPromotions(customerId: "demo-loyal") {} }',
        "{ ...Undefined }",
        "query A { ...F } fragment F on Query { ...Undefined }",
    ],
)
async def test_documents_the_depth_limit_cannot_measure_are_invalid(
    dev_client: httpx.AsyncClient, query: str
) -> None:
    response = await dev_client.post("/graphql", json={"query": query})

    assert_well_behaved(response)
    codes = {error["extensions"]["code"] for error in response.json()["errors"]}
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize(
    "claims",
    [
        {**_CLAIMS, "u": ["not", "a", "string"]},
        {**_CLAIMS, "s": {"not": "a string"}},
        {**_CLAIMS, "iat": 6.8e16},
        {**_CLAIMS, "exp": -(2**63)},
        {**_CLAIMS, "c": "demo-b2c\x00"},  # PostgreSQL text cannot hold NUL
        {**_CLAIMS, "p": 5},
        {**_CLAIMS, "u": ""},
        {**_CLAIMS, "u": "u" * 129},
    ],
)
def test_signed_claims_of_the_wrong_type_or_range_are_malformed(claims: dict[str, Any]) -> None:
    token = signed(claims, "key")

    with pytest.raises(InvalidToken) as refused:
        verify(token, KeyRing.single(b"key"), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert refused.value.reason == "MALFORMED"


async def test_nul_in_an_external_user_id_is_bad_input(dev_client: httpx.AsyncClient) -> None:
    query = "query($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) { expiresAt } }"
    variables = {"i": {"customerId": "demo-b2b", "externalUserId": "u\x00"}}

    response = await dev_client.post("/graphql", json={"query": query, "variables": variables})

    # Refused with the whole body now (no input may carry NUL); the field check stays for
    # callers that skip HTTP (tests/offers).
    assert_well_behaved(response)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "NUL" in error["message"]


async def test_an_empty_external_user_id_is_bad_input(dev_client: httpx.AsyncClient) -> None:
    # It was served in the offer's token, then refused by the events table's CHECK: a 500.
    offers = "query($i: PersonalizedOffersInput!) { personalizedOffers(input: $i) { expiresAt } }"
    variables = {"i": {"customerId": "demo-b2c", "externalUserId": ""}}

    response = await dev_client.post("/graphql", json={"query": offers, "variables": variables})

    assert_well_behaved(response)
    [error] = response.json()["errors"]
    assert error["extensions"]["field"] == "input.externalUserId"
