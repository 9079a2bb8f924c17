"""The deadline: an answer not computed within ``GATEWAY_REQUEST_TIMEOUT_S`` is a 504.

The bound covers computing the answer (every run of it), not sending it: once the response
starts, the parts of a streamed answer keep the request's deadline themselves
(``gateway.operation.incremental``). The TimeoutError is answered by ``gateway.http.failures``.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Deadline:
    """Runs the next app under ``timeout_s``, lifted when the response starts.

    Example::

        app = Deadline(app, timeout_s=10.0)
    """

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with asyncio.timeout(self.timeout_s) as timeout:

            async def answering(message: Message) -> None:
                if message["type"] == "http.response.start":
                    timeout.reschedule(None)
                await send(message)

            await self.app(scope, receive, answering)
