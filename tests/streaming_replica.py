"""A primary and a streaming replica from the machine's PostgreSQL binaries, for tests and bench.

PostgreSQL's own tools do it: ``initdb`` a primary (``wal_level = replica``, a replication line
in pg_hba.conf), ``pg_basebackup -R -X stream`` a replica from it, start the replica with
``hot_standby = on`` and ``recovery_min_apply_delay`` so its lag is visible. ``initdb`` refuses to
run as root, so as root every command runs as the ``postgres`` system user (``su postgres -c``)
in a folder that user owns. Both servers listen on 127.0.0.1 on free ports.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "postgresql-15"
BIN_DIRS = tuple(f"/usr/lib/postgresql/{major}/bin" for major in (15, 16, 17))
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 30


class ReplicaToolsMissing(RuntimeError):
    """PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed."""


def server_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and pg_basebackup, or ReplicaToolsMissing."""
    for folder in BIN_DIRS:
        path = Path(folder)
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    raise ReplicaToolsMissing(
        f"PostgreSQL server binaries not found in {', '.join(BIN_DIRS)}: "
        f"install Debian's package {PACKAGE} (apt-get install -y {PACKAGE})"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ReplicatedPair:
    """DSNs (maintenance database ``postgres``) of a running primary and its replica."""

    primary_dsn: str
    replica_dsn: str
    folder: Path


def _run(command: list[str], *, timeout: float = START_TIMEOUT_S) -> None:
    """Run a server tool, as the postgres system user when we are root."""
    if os.geteuid() == 0:
        command = ["su", SYSTEM_USER, "-s", "/bin/sh", "-c", shlex.join(command)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        output = done.stdout[-2000:] + done.stderr[-2000:]
        raise RuntimeError(f"{command[-1][:200]} failed:\n{output}")


@contextmanager
def streaming_replica(apply_delay: str = "2s") -> Iterator[ReplicatedPair]:
    """Start a primary and a replica applying WAL ``apply_delay`` late; stop both on exit.

    Example::

        with streaming_replica("2s") as pair:
            asyncpg.connect(pair.replica_dsn)
    """
    bin_dir = server_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="gateway-replication-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(SYSTEM_USER)
        os.chown(folder, account.pw_uid, account.pw_gid)
    folder.chmod(0o700)
    primary, replica = folder / "primary", folder / "replica"
    primary_port, replica_port = _free_port(), _free_port()
    started: list[Path] = []
    try:
        _run([str(bin_dir / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust",
              "--no-sync", "-E", "UTF8", "--locale=C"], timeout=60)  # fmt: skip
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\nwal_level = replica\n"
                "max_wal_senders = 4\nfsync = off\nsynchronous_commit = on\n"
                "shared_buffers = 32MB\n"
            )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        _pg_ctl(bin_dir, primary, "start")
        started.append(primary)
        _run([str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port),
              "-U", "postgres", "-D", str(replica), "-R", "-X", "stream"], timeout=60)  # fmt: skip
        with (replica / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {replica_port}\nhot_standby = on\n"
                f"recovery_min_apply_delay = '{apply_delay}'\n"
                # Reads on the replica are never cancelled for replay's sake in tests.
                "max_standby_streaming_delay = -1\n"
            )
        _pg_ctl(bin_dir, replica, "start")
        started.append(replica)
        yield ReplicatedPair(
            primary_dsn=f"postgresql://postgres@127.0.0.1:{primary_port}/postgres",
            replica_dsn=f"postgresql://postgres@127.0.0.1:{replica_port}/postgres",
            folder=folder,
        )
    finally:
        for data in reversed(started):
            with suppress(RuntimeError, subprocess.SubprocessError):
                _pg_ctl(bin_dir, data, "stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _pg_ctl(bin_dir: Path, data: Path, action: str, *options: str) -> None:
    log = data.parent / f"{data.name}.log"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30",
          action, *options])  # fmt: skip
