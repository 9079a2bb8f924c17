"""The real ``gateway serve`` command: starts, answers, stops cleanly, leaves nothing running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.conftest import outside_pytest_tmp
from tests.serving import free_port, running_gateway, running_process


def _postgres_processes_using(data_dir: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir.resolve()) in cmdline:
            found.append(proc.pid)
    return found


def test_serve_with_embedded_postgres_answers_and_stops_cleanly() -> None:
    with outside_pytest_tmp() as tmp_path:
        _serve_embedded_and_stop(tmp_path)


def _serve_embedded_and_stop(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "", "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    started = time.monotonic()

    log = tmp_path / "serve.log"
    with running_gateway(env, log=log) as (base, process):
        ready_after_s = time.monotonic() - started
        answer = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
        assert _postgres_processes_using(tmp_path / "state"), "the embedded server should run"

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        output = log.read_text()

    assert ready_after_s < 20
    assert answer.json()["data"] == {"__typename": "Query"}
    assert "/graphql" in output
    assert _postgres_processes_using(tmp_path / "state") == []


def test_serve_with_database_url_never_starts_an_embedded_server(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}

    with running_gateway(env) as (base, _process):
        ready = httpx.get(f"{base}/readyz", timeout=5)

    assert ready.json() == {"status": "ok"}
    assert not (tmp_path / "state" / "postgres").exists()


def test_a_second_serve_on_a_port_in_use_is_one_line_with_the_fix(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    port = free_port()

    with running_gateway(env, port=port):
        second = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
            env={**os.environ, **env, "GATEWAY_IDE_FETCH": "false"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert second.returncode == 1
    assert second.stdout == "", "no banner for a server that never listened"
    assert second.stderr.splitlines() == [
        f"gateway serve: port {port} on 127.0.0.1 is already in use (another `gateway serve`, "
        f"or another program): stop it, or pick another port: `gateway serve --port {port + 1}`"
    ]


def test_the_start_up_ends_with_the_url_and_uvicorns_lines_are_plain(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    log = tmp_path / "serve.log"

    with running_gateway(env, log=log) as (base, _process):
        time.sleep(0.5)  # anything start-up still had to say is said by now
        lines = log.read_text().splitlines()

    assert lines[-1] == f"offers gateway (development) on {base}/graphql"
    logged = [json.loads(line) for line in lines[:-1]]  # piped: every other line is JSON
    by_uvicorn = [entry for entry in logged if entry["logger"].startswith("uvicorn")]
    assert {"Application startup complete."} <= {e["message"] for e in by_uvicorn}
    assert {e["logger"] for e in by_uvicorn} == {"uvicorn"}
    assert not [e for e in logged if "color_message" in e or "\x1b" in e["message"]]


def test_with_several_workers_the_url_comes_once_every_worker_serves(
    database_dsn: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    banner = f"offers gateway (development) on {base}/graphql"
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "2"]
    env = {**os.environ, "DATABASE_URL": database_dsn, "GATEWAY_IDE_FETCH": "false"}

    with running_process(command, lambda: banner in log.read_text(), env=env, log=log):
        ready = httpx.get(f"{base}/readyz", timeout=5)
        lines = log.read_text().splitlines()

    assert ready.status_code == 200
    assert lines.count(banner) == 1
    started = [n for n, line in enumerate(lines) if "Application startup complete." in line]
    assert len(started) == 2, "both workers started before the URL was shown"
    assert max(started) < lines.index(banner)
