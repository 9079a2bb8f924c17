"""The HTTP side of ``gateway serve``: the port bound first, uvicorn on it, the URL last.

The port is bound before the database starts, so a port in use is one line naming it and the fix
(``CommandError``), not uvicorn's start-up followed by its error. The bound socket is handed to
uvicorn (one worker, or each of ``workers``), so nothing can take the port in between, and port 0
resolves to the real one. The banner with the URL is printed once the server accepts requests:
it is the last line of the start-up.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import uvicorn
from uvicorn.supervisors import Multiprocess

from gateway.errors import CommandError

# How long a worker may take to start serving (importing the app, the pool, the schema) before
# the banner is given up on; the workers keep starting, uvicorn's supervision takes over.
WORKER_START_S = 60.0


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (not listening yet); ``CommandError`` when it cannot be.

    >>> sock = bind("127.0.0.1", 0)
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {port} on {host} is already in use (another `gateway serve`, or another "
                "program)",
                fix=f"stop it, or pick another port: `gateway serve --port {port + 1}`",
            ) from None
        raise CommandError(
            f"cannot listen on {host}:{port} ({exc.strerror})",
            fix="choose another --host or --port",
        ) from None
    sock.set_inheritable(True)  # the workers, when there are several, listen on it too
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, calling ``on_started`` once it accepts requests."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's start-up, then ``on_started``."""
        await super().startup(sockets)
        if self.started:
            self.on_started()


class _Workers(Multiprocess):
    """uvicorn's worker processes, calling ``on_started`` once every one of them is ready."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], on_started: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self.on_started = on_started

    def init_processes(self) -> None:
        """Start the workers; wait (bounded) until each one serves."""
        super().init_processes()
        if all(p.wait_until_ready(WORKER_START_S, self.should_exit) for p in self.processes):
            self.on_started()


def serve(config: uvicorn.Config, sock: socket.socket, on_started: Callable[[], None]) -> bool:
    """Run uvicorn on ``sock`` until it stops; False when it never started.

    ``on_started`` runs once the server (every worker) accepts requests.
    """
    try:
        if config.workers > 1:
            _Workers(config, [sock], on_started).run()
            return True
        server = _Server(config, on_started)
        server.run([sock])
        return server.started
    except KeyboardInterrupt:  # Ctrl-C: uvicorn has already shut down gracefully
        return True
    finally:
        sock.close()
