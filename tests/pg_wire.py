"""A TCP proxy in front of PostgreSQL that counts what clients send, message by message.

It reads the frontend side of the PostgreSQL protocol (version 3) and sorts what it sees:

- a *Sync* ends a batch of extended-protocol messages: a batch with an Execute is a statement run
  (one round trip), a batch with a Parse and no Execute is a statement prepared (asyncpg prepares
  each statement once per connection, in a round trip of its own);
- a simple *Query* is one round trip, unless it is BEGIN, COMMIT or ROLLBACK (transaction
  control, counted apart).

The backend's answers are passed through untouched. The proxy runs its own event loop in a
thread, so a test may block (start a subprocess, wait for it) while connections flow.

>>> with WireCounter(upstream) as proxy:
...     before = proxy.counts()
...     ...  # requests through a gateway whose DATABASE_URL is proxy.dsn(...)
...     proxy.counts() - before
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
CANCEL_REQUEST = 80877102
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END")


@dataclass(frozen=True)
class Upstream:
    """Where the real server listens: a unix socket path, or a TCP host and port."""

    socket: str | None
    host: str
    port: int

    @classmethod
    def from_dsn(cls, dsn: str) -> Upstream:
        """The server a ``postgresql://`` DSN names (``?host=/dir`` is a unix socket dir)."""
        parts = urlsplit(dsn)
        port = parts.port or 5432
        host_param = parse_qs(parts.query).get("host", [""])[0]
        if host_param.startswith("/"):
            return cls(f"{host_param}/.s.PGSQL.{port}", "", port)
        return cls(None, parts.hostname or "127.0.0.1", port)


class WireCounter:
    """The proxy: listens on 127.0.0.1, forwards to ``upstream``, counts round trips."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.port = 0
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> WireCounter:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = started.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def dsn(self, server_dsn: str) -> str:
        """``server_dsn`` pointed at the proxy (TCP, no TLS: the proxy reads the messages)."""
        parts = urlsplit(server_dsn)
        user = parts.username or "postgres"
        return urlunsplit(
            ("postgresql", f"{user}@127.0.0.1:{self.port}", parts.path, "sslmode=disable", "")
        )

    def counts(self) -> Counter[str]:
        """A copy of the counters: ``statements``, ``prepared``, ``simple``, ``transaction``."""
        with self._lock:
            return Counter(self._counts)

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._open):
                writer.close()
            await self._server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            if self.upstream.socket is not None:
                server_r, server_w = await asyncio.open_unix_connection(self.upstream.socket)
            else:
                server_r, server_w = await asyncio.open_connection(
                    self.upstream.host, self.upstream.port
                )
        except OSError:
            client_w.close()
            return
        back = asyncio.create_task(_pipe(server_r, client_w))
        self._open.update((client_w, server_w))
        try:
            await self._forward(client_r, server_w)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._open.difference_update((client_w, server_w))
            server_w.close()
            back.cancel()
            client_w.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Untyped messages first: SSLRequest / GSSENCRequest (answered 'N' with sslmode=disable
        # never sent), then the startup message.
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            body = await reader.readexactly(length - 8)
            writer.write(head + body)
            await writer.drain()
            if code not in (SSL_REQUEST, GSS_REQUEST):
                break
        if code == CANCEL_REQUEST:
            return
        batch: set[str] = set()
        while True:
            head = await reader.readexactly(5)
            kind = chr(head[0])
            (length,) = struct.unpack("!i", head[1:])
            body = await reader.readexactly(length - 4)
            self._saw(kind, body, batch)
            writer.write(head + body)
            await writer.drain()

    def _saw(self, kind: str, body: bytes, batch: set[str]) -> None:
        if kind == "Q":
            text = body.rstrip(b"\x00").decode(errors="replace").strip().rstrip(";").upper()
            counter = "transaction" if text.startswith(TRANSACTION_CONTROL) else "simple"
            with self._lock:
                self._counts[counter] += 1
        elif kind == "S":
            if "E" in batch:
                counter = "statements"
            elif "P" in batch:
                counter = "prepared"
            else:
                counter = "sync"
            with self._lock:
                self._counts[counter] += 1
            batch.clear()
        else:
            batch.add(kind)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()
