"""Graceful drain behind a load balancer: SIGTERM first turns /readyz to 503, then stops.

On SIGTERM the worker keeps serving every request for ``GATEWAY_DRAIN_S`` seconds while /readyz
answers 503 ``draining``, so a balancer health-checking /readyz (HAProxy: ``option httpchk GET
/readyz``) stops sending it new requests; then uvicorn's own graceful shutdown runs (stop
listening, finish in-flight requests, close the pool). A second SIGTERM stops at once; SIGINT
(Ctrl-C) is left alone.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from types import FrameType

logger = logging.getLogger("gateway")


class Drain:
    """Whether this worker is draining, and the SIGTERM handler that starts it.

    >>> drain = Drain(seconds=3.0)
    >>> drain.install()  # in the serving worker's lifespan, after uvicorn set its handlers
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.draining = False

    def install(self) -> None:
        """Put the drain in front of the SIGTERM handler in place (uvicorn's graceful exit)."""
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)
        if not callable(previous):
            return
        loop = asyncio.get_running_loop()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.draining:
                previous(signum, frame)
                return
            self.draining = True
            logger.info("SIGTERM: draining for %.1f s (/readyz answers 503), then stopping",
                        self.seconds)  # fmt: skip
            # call_soon_threadsafe is safe from a signal handler; call_later itself is not.
            loop.call_soon_threadsafe(loop.call_later, self.seconds, previous, signum, None)

        signal.signal(signal.SIGTERM, on_sigterm)
