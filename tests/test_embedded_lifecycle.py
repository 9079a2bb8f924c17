"""The embedded PostgreSQL's lifecycle across processes: whoever starts it stops it, and only them.

``serve`` runs (a subprocess, its own data dir); ``keys create``, ``load`` and a second ``serve``
run beside it from other processes, attach to its server and leave it running; the new key then
works against the serving gateway. When the server dies under ``serve`` anyway, ``serve`` says so
and starts it again, or gives up (serve then exits with status 1) when it cannot.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from gateway.cli.embedded import EmbeddedPostgres
from gateway.cli.embedded_watchdog import EmbeddedWatchdog
from tests.conftest import outside_pytest_tmp
from tests.serving import ROOT, running_gateway

CATALOG = """\
promotions:
  - id: acme-loaded-beside-serve
    brand: acme
    name: Loaded while serve was running
    kind: pos
    starts_at: "2025-01-01T00:00:00Z"
    ends_at: "2030-12-31T23:59:59Z"
    priority: 10
    tiers:
      - {program: acme-rewards, tier: acme-gold}
"""
CART = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'


def _env(data_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": "", "GATEWAY_DATA_DIR": str(data_dir)}


def _gateway(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``gateway`` command in its own process, on the embedded server in ``data_dir``."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        cwd=ROOT,
        env={**os.environ, **_env(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _postmaster_pid(data_dir: Path) -> int | None:
    """The running postmaster of the embedded server in ``data_dir``, if any."""
    pid_file = data_dir / "postgres" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


def _postgres_processes_using(data_dir: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir.resolve()) in cmdline:
            found.append(proc.pid)
    return found


@contextmanager
def socket_nobody_listens_on() -> Iterator[int]:
    """A port held (bound, not listening) so that connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def _cart(base: str, token: str | None = None) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(f"{base}/graphql", json={"query": CART}, headers=headers, timeout=10)
    return dict(answer.json())


def test_keys_and_load_beside_serve_leave_its_database_running() -> None:
    with outside_pytest_tmp() as scratch:
        data_dir = scratch / "state"
        catalog = scratch / "catalog.yaml"
        catalog.write_text(CATALOG)
        log = scratch / "serve.log"
        with running_gateway(_env(data_dir), log=log) as (base, process):
            serving_pid = _postmaster_pid(data_dir)

            created = _gateway(
                data_dir, "keys", "create", "--name", "beside", "--scope", "read", "--brand", "acme"
            )
            loaded = _gateway(data_dir, "load", str(catalog))
            with running_gateway(_env(data_dir)) as (second_base, _second):
                from_a_second_serve = _cart(second_base)
            pid_after_commands = _postmaster_pid(data_dir)
            token = created.stdout.strip()
            with_key = _cart(base, token)
            with_a_wrong_key = _cart(base, token[:-4] + "xxxx")
            ready = httpx.get(f"{base}/readyz", timeout=5).json()

            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        left_running = _postgres_processes_using(data_dir)
        output = log.read_text()

    assert created.returncode == 0, created.stderr
    assert token.startswith("gw_"), created.stdout
    assert loaded.returncode == 0, loaded.stderr
    assert serving_pid is not None
    assert pid_after_commands == serving_pid, "the commands must not stop (or restart) the server"
    assert "errors" not in with_key, with_key
    assert from_a_second_serve["data"] == with_key["data"], "a second serve attaches, then leaves"
    promotions = [p["promotionId"] for p in with_key["data"]["cartPromotions"]]  # type: ignore[index]
    assert "acme-loaded-beside-serve" in promotions
    assert with_a_wrong_key["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    assert ready == {"status": "ok"}
    assert "stopped while serving" not in output
    assert left_running == [], "serve started the server, so serve stops it"


def test_serve_starts_its_database_again_when_it_is_killed() -> None:
    with outside_pytest_tmp() as scratch:
        data_dir = scratch / "state"
        log = scratch / "serve.log"
        with running_gateway(_env(data_dir), log=log) as (base, process):
            before = _cart(base)
            killed_pid = _postmaster_pid(data_dir)
            assert killed_pid is not None
            os.kill(killed_pid, signal.SIGKILL)
            killed_at = time.monotonic()

            recovered = None
            while time.monotonic() - killed_at < 30:
                try:
                    answer = _cart(base)
                except httpx.TransportError:
                    answer = {}
                if answer.get("data"):
                    recovered = answer
                    break
                time.sleep(0.2)
            recovered_after_s = time.monotonic() - killed_at
            new_pid = _postmaster_pid(data_dir)

            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=30)
        left_running = _postgres_processes_using(data_dir)
        output = log.read_text()

    assert "errors" not in before, before
    assert recovered == before, "the same answer once the database is back"
    assert recovered_after_s < 10
    assert new_pid is not None and new_pid != killed_pid
    assert "stopped while serving" in output
    assert output.count("running again") == 1, "one restart, once the old postmaster is gone"
    assert status == 0
    assert left_running == [], "serve owns the server it restarted, and stops it"


def test_a_command_that_starts_the_database_stops_it_again() -> None:
    with outside_pytest_tmp() as scratch:
        data_dir = scratch / "state"
        migrated = _gateway(data_dir, "migrate")
        left_running = _postgres_processes_using(data_dir)

    assert migrated.returncode == 0, migrated.stderr
    assert "migrations up to date" in migrated.stdout
    assert left_running == []


def test_a_database_url_that_does_not_answer_is_one_line_and_a_failure(tmp_path: Path) -> None:
    with socket_nobody_listens_on() as port:
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--port", "0"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": f"postgresql://app:secret@127.0.0.1:{port}/offers",
                "GATEWAY_DATA_DIR": str(tmp_path / "state"),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"127.0.0.1:{port}" in lines[0]
    assert "DATABASE_URL" in lines[0]
    assert "secret" not in lines[0], "the password stays out of the message"


def test_the_watchdog_gives_up_when_the_server_cannot_start_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gave_up = threading.Event()
    with outside_pytest_tmp() as scratch:
        embedded = EmbeddedPostgres(scratch / "pgdata")
        embedded.start()
        watchdog = EmbeddedWatchdog(embedded, interval_s=0.2, attempts=2, give_up=gave_up.set)
        with caplog.at_level(logging.INFO, logger="gateway"):
            watchdog.start()
            embedded.stop()
            shutil.rmtree(embedded.data_dir)  # nothing left to start again
            gave_up.wait(timeout=30)
            watchdog.stop()
    messages = [r.getMessage() for r in caplog.records]

    assert gave_up.is_set() and watchdog.failed
    assert any("stopped while serving" in m for m in messages)
    assert sum("start attempt" in m for m in messages) == 2
    assert any("could not be started again" in m for m in messages)
