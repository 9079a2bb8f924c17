"""graphql-transport-ws: strawberry's handler, each operation with its own context, and pings."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from contextlib import aclosing
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,  # private: listed in gateway.execution.internals, tested
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    SubscribeMessage,
)

from gateway.http.subscriptions.stream import changed_only
from gateway.live.context import LiveContext


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every message as a text frame, as graphql-transport-ws requires.

    strawberry sends ``view.encode_json``'s bytes (the gateway's orjson) as binary frames, which
    graphql-ws clients refuse ("Message is missing the 'type' property").
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        """Send ``message`` as JSON text."""
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class LiveWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """One WebSocket connection: operations run in a context of their own, results only changed.

    strawberry's handler shares one context among the connection's operations; a subscription
    renews its context every round, so each operation gets a copy (the connection's principal,
    set by ``connection_init``). The server pings every ``view.live_ping_s`` seconds; a
    graphql-ws client answers with a pong.
    """

    _pinger: asyncio.Task[None] | None = None

    def on_request_accepted(self) -> None:
        """Start the connection-init timeout, and the pings."""
        super().on_request_accepted()
        self._pinger = asyncio.create_task(self._ping())

    async def shutdown(self) -> None:
        """Stop pinging, then end every operation (strawberry's shutdown)."""
        if self._pinger is not None:
            self._pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinger
        await super().shutdown()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """strawberry's, the query text interned: a thousand subscribers of one query keep one
        copy of it (each operation holds its text while it runs)."""
        payload = message.get("payload")
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            payload["query"] = sys.intern(payload["query"])
        await super().handle_subscribe(message)

    async def _ping(self) -> None:
        interval = float(getattr(self.view, "live_ping_s", 10.0))
        while True:
            await asyncio.sleep(interval)
            if self.connection_acknowledged:
                with contextlib.suppress(Exception):  # a closed socket: the reader ends it
                    await self.send_message({"type": "ping"})

    async def run_operation(self, operation: Operation[Any, None]) -> None:
        """strawberry's ``run_operation`` with a context per operation and only changed results."""
        connection: LiveContext = self.context
        ctx = connection.for_operation()
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=ctx,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(changed_only(source, ctx)) as results:
                await self._send_result_stream(operation, results)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
