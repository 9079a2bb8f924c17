"""Minimal protocol clients for the tests: graphql-transport-ws (the bench's, websockets) and SSE
(httpx)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bench.ws_session import PROTOCOL, WsSession, ws_session

__all__ = ["PROTOCOL", "WsSession", "sse_stream", "ws_session"]


@asynccontextmanager
async def sse_stream(
    graphql_url: str,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
) -> AsyncIterator[AsyncIterator[tuple[str, str]]]:
    """GraphQL over SSE (distinct connections mode): yields (event, data) pairs as they come.

    ``method="GET"`` sends the operation in the query string (as Hive Gateway's executor does).
    """
    body = {"query": query, "variables": variables}
    request = (
        {"params": {"query": query, "variables": json.dumps(variables)}}
        if method == "GET"
        else {"json": body}
    )
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream(
            method,
            graphql_url,
            headers={"accept": "text/event-stream", **(headers or {})},
            **request,
        ) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")

        async def events() -> AsyncIterator[tuple[str, str]]:
            event, data = "", []
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data.append(line.removeprefix("data:").strip())
                elif line == "" and event:
                    yield event, "\n".join(data)
                    event, data = "", []
                elif line.startswith(":"):
                    yield "comment", line[1:].strip()

        yield events()
