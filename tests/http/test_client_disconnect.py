"""A client that leaves mid-request is no error of ours: nothing logged, the server serves on."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.serving import running_gateway


def _leave_mid_body(base: str) -> None:
    """Send the headers and part of a POST body, then close the connection."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 400\r\n\r\n{"query": "{ __typ'
        )
        time.sleep(0.2)  # the gateway is reading the body now


def test_a_client_leaving_mid_body_logs_no_error(database_dsn: str, tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}

    with running_gateway(env, log=log) as (base, process):
        for _ in range(3):
            _leave_mid_body(base)
        time.sleep(0.3)
        after = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
        alive = process.poll() is None

    assert alive and after.json()["data"] == {"__typename": "Query"}
    text = log.read_text()
    assert "Exception in ASGI application" not in text
    assert "ClientDisconnect" not in text
