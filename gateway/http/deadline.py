"""The deadline: an answer not computed within ``GATEWAY_REQUEST_TIMEOUT_S`` is a 504.

The bound covers computing the answer (every run of it), not sending it: once the response
starts, the parts of a streamed answer keep the request's deadline themselves
(``gateway.operation.incremental``). The TimeoutError is answered by ``gateway.http.failures``.

It is ``asyncio.timeout``'s rule with one timer: at the deadline the request's task is cancelled,
and that cancellation (and only that one) comes out as ``TimeoutError``. ``asyncio.timeout``
schedules its timer twice and keeps more state; on a response-cache hit it was a tenth of the
request's CPU.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.request_state import request_state


class Deadline:
    """Runs the next app until the request's deadline (its state's), lifted when the response
    starts.

    Example::

        app = Deadline(app)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None  # an ASGI call runs in a task
        cancelling = task.cancelling()
        expired = False
        state = request_state(scope)

        def expire() -> None:
            nonlocal expired
            if state.response_started:  # lifted: the answer is on its way
                return
            expired = True
            task.cancel()

        timer = asyncio.get_running_loop().call_at(state.deadline, expire)
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:
            if expired and task.uncancel() <= cancelling:
                raise TimeoutError from None
            raise
        finally:
            timer.cancel()
