"""SSE events end their lines with LF alone: Hive Gateway's subgraph executor reads only that."""

from __future__ import annotations

import json

import httpx

QUERY = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'


def executor_http_events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs as ``@graphql-tools/executor-http`` 3.4 reads them (Hive Gateway 2.15).

    It cuts the body at each two LFs in a row and keeps the ``event:`` and ``data:`` lines.
    """
    found = []
    *messages, _rest = body.split("\n\n")
    for message in messages:
        lines = message.split("\n")
        event = next((ln[6:].strip() for ln in lines if ln.startswith("event:")), "")
        data = "\n".join(ln[5:].strip() for ln in lines if ln.startswith("data:"))
        found.append((event, data))
    return found


async def test_an_event_stream_is_framed_as_hive_gateways_executor_reads_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"accept": "text/event-stream"}
    )

    assert response.headers["content-type"].startswith("text/event-stream")
    assert "\r" not in response.text
    [(first, data), (last, _)] = executor_http_events(response.text)
    assert (first, last) == ("next", "complete")
    assert json.loads(data)["data"]["cartPromotions"]


def test_crlf_framing_gives_that_executor_no_event() -> None:
    # strawberry's own framing (CRLF), which made subscriptions through Hive Gateway silent.
    assert executor_http_events('event: next\r\ndata: {"data":{}}\r\n\r\n') == []
