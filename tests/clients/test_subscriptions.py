"""Subscriptions from real npm clients against a served gateway, a redemption in between.

Apollo Client's ``GraphQLWsLink`` (graphql-ws, graphql-transport-ws) and urql's
``subscriptionExchange`` over graphql-sse (GraphQL over SSE, distinct connections mode) and over
graphql-ws: each gets the current listing first, then exactly one update after the redemption.
"""

from __future__ import annotations

import httpx
import pytest

from tests.clients.node import run_client

REDEEM = """mutation ($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""


def _redeemer(graphql_url: str, key: str):  # type: ignore[no-untyped-def]
    async def redeem() -> None:
        variables = {
            "input": {
                "customerId": "demo-loyal",
                "promotionId": "acme-welcome10",
                "transactionId": f"t-{key}",
                "amount": "1.00",
                "idempotencyKey": key,
            }
        }
        async with httpx.AsyncClient() as http:
            answer = await http.post(graphql_url, json={"query": REDEEM, "variables": variables})
        assert answer.json()["data"]["redeemCartPromotion"]["__typename"] == "Redemption"

    return redeem


@pytest.mark.parametrize("scenario", ["apollo-ws", "urql-sse", "urql-ws"])
async def test_the_client_gets_the_listing_then_the_redemption(
    graphql_url: str, scenario: str
) -> None:
    report = await run_client(
        "subscriptions.mjs",
        scenario,
        graphql_url,
        on_first_part=_redeemer(graphql_url, f"client-{scenario}"),
    )

    assert report["remaining"] == ["2", "1"], report
    assert report["consoleMessages"] == []
    if scenario == "apollo-ws":
        assert report["cachedRemaining"] == "1", "the update reached the cache by id"
    else:
        assert len(report["ids"]) == 8 and all(report["ids"])
