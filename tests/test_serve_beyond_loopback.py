"""``gateway serve --host`` beyond loopback never serves without API keys.

Development without keys is for loopback only: asked to listen on every address with no key
setting, ``serve`` turns keys on. The check runs against the real command, over real HTTP. (On
loopback, development answers without a key: every test using ``running_gateway`` shows it.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

from tests.serving import ROOT, free_port, gateway_cli, running_process

TYPENAME = {"query": "{ __typename }"}


def test_serve_on_every_address_without_keys_refuses_requests_without_a_key(
    database_dsn: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_IDE_FETCH": "false",
        "GATEWAY_ENV": "development",
    }
    env.pop("GATEWAY_REQUIRE_API_KEYS", None)
    token = gateway_cli(
        "keys", "create", "--name", "lan", "--scope", "read", "--brand", "acme", env=env
    ).strip()
    # 0.0.0.0 on purpose: this is the case under test. Keys are required, so nothing leaks while
    # it listens (a few seconds).
    args = [sys.executable, "-m", "gateway", "serve", "--host", "0.0.0.0", "--port", str(port)]
    log = tmp_path / "serve.log"
    with running_process(
        args,
        lambda: httpx.get(f"{base}/readyz", timeout=1).status_code == 200,
        cwd=ROOT,
        env=env,
        log=log,
    ):
        without = httpx.post(f"{base}/graphql", json=TYPENAME, timeout=5)
        with_key = httpx.post(
            f"{base}/graphql",
            json=TYPENAME,
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

    assert without.status_code == 401
    [error] = without.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == "Authorization: send 'Bearer <API key>' (header missing)"
    assert with_key.status_code == 200
    assert with_key.json()["data"] == {"__typename": "Query"}
    assert "(development) on http://0.0.0.0:" in log.read_text()
