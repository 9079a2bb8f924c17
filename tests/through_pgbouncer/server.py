"""A real PgBouncer (Debian's package) in transaction pooling mode, for tests.

``running_pgbouncer(server_dsn)`` starts ``pgbouncer`` on a free port in front of the server of
``server_dsn`` (TCP or a unix socket), every database name passed through (``* =``), clients
authenticated with a password from an auth file. PgBouncer refuses to run as root: as root it
runs as the owner of the server's socket folder (the embedded server's system user) or as
``postgres``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.provision import require_tool
from tests.serving import free_port

PASSWORD = "pgbouncer-test"  # a throwaway password for a loopback-only test pooler
POOL_SIZE = 10
CONNECT_QUERY = "SET statement_timeout = 5000; SET jit = off"
START_TIMEOUT_S = 10.0


def _server_address(server_dsn: str) -> tuple[str, int, str]:
    """(host or socket folder, port, user) of ``server_dsn``."""
    parts = urlsplit(server_dsn)
    host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
    return host, parts.port or 5432, parts.username or "postgres"


def _run_as(host: str) -> str | None:
    """The system user to run pgbouncer as (None: ourselves, when we are not root)."""
    if os.geteuid() != 0:
        return None
    if host.startswith("/"):
        return pwd.getpwuid(Path(host).stat().st_uid).pw_name
    return "postgres"


@contextmanager
def running_pgbouncer(server_dsn: str) -> Iterator[str]:
    """Start PgBouncer before the server of ``server_dsn``; yield its DSN (database postgres).

    Example::

        with running_pgbouncer("postgresql://postgres@127.0.0.1:5432/postgres") as dsn:
            asyncpg.connect(dsn, statement_cache_size=0)
    """
    binary = require_tool("pgbouncer", "pgbouncer")
    host, port, user = _server_address(server_dsn)
    listen_port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="gateway-pgbouncer-"))
    account = _run_as(host)
    (folder / "userlist.txt").write_text(f'"{user}" "{PASSWORD}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        # The gateway's session settings, once per server connection (it sends none itself).
        f"* = host={host} port={port} user={user} connect_query='{CONNECT_QUERY}'\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen_port}\nunix_socket_dir =\n"
        "auth_type = plain\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {POOL_SIZE}\nmax_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        "admin_users = " + user + "\n"
    )
    if account is not None:
        entry = pwd.getpwnam(account)
        for path in (folder, *folder.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    process = subprocess.Popen(
        [binary, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        user=account,
        group=pwd.getpwnam(account).pw_gid if account is not None else None,
        extra_groups=[] if account is not None else None,
    )
    try:
        _wait_listening(listen_port, process, folder)
        yield f"postgresql://{user}:{PASSWORD}@127.0.0.1:{listen_port}/postgres"
    finally:
        _stop(process, folder)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_listening(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = folder / "pgbouncer.log"
            text = log.read_text()[-2000:] if log.exists() else ""
            raise AssertionError(f"pgbouncer exited early:\n{text}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("pgbouncer did not listen in time")


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
