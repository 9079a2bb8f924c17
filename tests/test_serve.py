"""The real ``gateway serve`` command: starts, answers, stops cleanly, leaves nothing running."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import psutil

from tests.conftest import outside_pytest_tmp
from tests.serving import running_gateway


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
