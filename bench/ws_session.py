"""A minimal graphql-transport-ws client (websockets): ``subscribe``, then messages per operation.

The live phase opens its subscriptions with it; the tests of ``tests/live`` use it too.

Example::

    auth = {"authorization": "Bearer gw_..."}
    async with ws_session("http://127.0.0.1:8000/graphql", auth) as ws:
        await ws.subscribe("1", "subscription { ... }", id="demo-loyal")
        first = await ws.message("1")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

PROTOCOL = "graphql-transport-ws"


class WsSession:
    """One graphql-transport-ws connection: ``subscribe``, then read messages per operation id."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pings = 0
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            assert isinstance(raw, str), "graphql-transport-ws sends text frames"
            message = json.loads(raw)
            if message["type"] == "ping":
                self.pings += 1
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            self._queue(message.get("id", "")).put_nowait(message)

    def _queue(self, operation_id: str) -> asyncio.Queue[dict[str, Any]]:
        return self._queues.setdefault(operation_id, asyncio.Queue())

    async def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        """Send ``subscribe`` for ``query``."""
        payload = {"query": query, "variables": variables}
        await self.socket.send(
            json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
        )

    async def complete(self, operation_id: str) -> None:
        """Stop one operation from the client's side."""
        await self.socket.send(json.dumps({"id": operation_id, "type": "complete"}))

    async def message(self, operation_id: str, timeout_s: float = 5.0) -> dict[str, Any]:
        """The next message of ``operation_id`` (TimeoutError after ``timeout_s``)."""
        return await asyncio.wait_for(self._queue(operation_id).get(), timeout_s)

    async def quiet(self, operation_id: str, seconds: float) -> bool:
        """True when ``operation_id`` receives nothing for ``seconds``."""
        try:
            await self.message(operation_id, seconds)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def ws_session(
    graphql_url: str, payload: dict[str, Any] | None = None
) -> AsyncIterator[WsSession]:
    """A connected, acknowledged session (AssertionError when the server refuses it)."""
    url = graphql_url.replace("http://", "ws://")
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        session = WsSession(socket)
        try:
            yield session
        finally:
            session._reader.cancel()
