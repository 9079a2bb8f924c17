"""Who gets an event stream: a client asking for text/event-stream first, not urql's queries."""

from __future__ import annotations

import httpx

from gateway.http.subscriptions.sse import prefers_event_stream

URQL = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)
QUERY = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'


def test_only_a_first_preference_counts() -> None:
    assert prefers_event_stream("text/event-stream")
    assert prefers_event_stream("text/event-stream; charset=utf-8, application/json")
    assert not prefers_event_stream(URQL)
    assert not prefers_event_stream("")


async def test_urqls_query_gets_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": QUERY}, headers={"accept": URQL})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["data"]["cartPromotions"]


async def test_a_query_asked_as_an_event_stream_is_one_event_then_complete(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"accept": "text/event-stream"}
    )

    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.splitlines() if line.startswith("event:")]
    assert events == ["event: next", "event: complete"]


async def test_an_event_stream_naming_no_operation_of_its_document_is_a_coded_400(
    client: httpx.AsyncClient,
) -> None:
    for name in ["{ __typename }", "Missing"]:
        response = await client.get(
            "/graphql",
            params={"query": "query Known { __typename }", "operationName": name},
            headers={"accept": "text/event-stream"},
        )

        assert response.status_code == 400, name
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert name in error["message"]
