"""docs/scaling.md's HAProxy configuration, run for real: past ``maxconn`` requests wait in
HAProxy's queue, and one that waits too long, or finds the queue full, is refused there after a
pause, shaped like the gateway's own 503, while the gateway itself never refuses.

The admitted requests are held by a real lock on the customers table, as in test_overload.py.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

from tests.http.test_overload import HELLO, OFFERS, _waiting_on_locks
from tests.provision import require_tool
from tests.serving import ROOT, free_port, running_gateway

SCALING_DOC = ROOT / "docs" / "scaling.md"


def documented_config(port: int, gateway: str, maxconn: int, queue: int = 32) -> str:
    """The documented configuration, bound to loopback before one gateway, with ``maxconn`` and
    refusals past ``queue`` waiting."""
    text = SCALING_DOC.read_text()
    config = re.search(r"```haproxy\n(defaults\n.*?)```", text, re.S)
    assert config is not None, "docs/scaling.md has no HAProxy configuration"
    servers = re.findall(r"^    server .*\n", config.group(1), re.M)
    assert servers, "no server line"
    result = config.group(1).replace("bind :8080", f"bind 127.0.0.1:{port}")
    result = result.replace(servers[0], f"    server a {gateway} check\n")
    for line in servers[1:]:
        result = result.replace(line, "")
    assert " maxconn 32\n" in result and "{ avg_queue() ge 32 }" in result
    result = result.replace("{ avg_queue() ge 32 }", f"{{ avg_queue() ge {queue} }}")
    return result.replace(" maxconn 32\n", f" maxconn {maxconn}\n")


@contextmanager
def running_haproxy(folder: Path, gateway: str, *, maxconn: int, queue: int) -> Iterator[str]:
    """HAProxy with the documented configuration before ``gateway``; its URL; stopped by PID."""
    binary = require_tool("haproxy", "haproxy")
    port = free_port()
    config = folder / "haproxy.cfg"
    config.write_text(documented_config(port, gateway, maxconn=maxconn, queue=queue))
    check = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True)
    assert check.returncode == 0, check.stderr
    with (folder / "haproxy.log").open("w") as log:
        haproxy = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            haproxy.send_signal(signal.SIGTERM)
            haproxy.wait(timeout=10)


async def test_past_maxconn_haproxy_queues_then_refuses_and_the_gateway_never_does(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_MAX_IN_FLIGHT": "2",
        "GATEWAY_STATEMENT_TIMEOUT_MS": "60000",
    }
    with (
        running_gateway(env, log=tmp_path / "serve.log") as (base, _process),
        running_haproxy(tmp_path, base.removeprefix("http://"), maxconn=2, queue=1) as balancer,
    ):
        locker = await asyncpg.connect(database_dsn)
        try:
            async with httpx.AsyncClient(base_url=balancer, timeout=60) as lb:
                deadline = time.monotonic() + 20
                while (await _try(lb)) != 200:  # until HAProxy's check finds the gateway UP
                    assert time.monotonic() < deadline, "HAProxy never sent to the gateway"
                    await asyncio.sleep(0.2)
                # given maxconn requests held in the database
                transaction = locker.transaction()
                await transaction.start()
                await locker.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
                admitted = [asyncio.create_task(lb.post("/graphql", json=OFFERS)) for _ in "ab"]
                await _waiting_on_locks(locker, 2, timeout_s=30)

                # when more arrive, one waits in HAProxy's queue and is refused after
                # `timeout queue`, the next ones find the queue full and are refused after
                # `timeout tarpit` (both 1 s)
                async def queued(n: int) -> tuple[httpx.Response, float]:
                    started = time.monotonic()
                    headers = {"x-request-id": f"queued-{n}"}
                    response = await lb.post("/graphql", json=HELLO, headers=headers)
                    return response, time.monotonic() - started

                refused = await asyncio.gather(*(queued(n) for n in range(3)))
                async with httpx.AsyncClient(base_url=base, timeout=30) as direct:
                    metrics = await direct.get("/metrics")
                await transaction.rollback()
                answers = await asyncio.gather(*admitted)
                after = await lb.post("/graphql", json=HELLO)
        finally:
            await locker.close()

    for n, (response, waited_s) in enumerate(refused):
        assert response.status_code == 503
        assert 0.8 < waited_s < 10  # paced: the documented 1 s
        assert response.headers["content-type"] == "application/json"
        assert response.headers["retry-after"] == "1"
        assert response.headers["x-request-id"] == f"queued-{n}"
        assert response.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert "gateway_shed_requests_total 0.0" in metrics.text  # the gateway refused nothing
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["data"]["personalizedOffers"]["offers"][0]["offerId"]
    assert after.status_code == 200


async def _try(lb: httpx.AsyncClient) -> int:
    try:
        return (await lb.post("/graphql", json=HELLO)).status_code
    except httpx.TransportError:
        return 0
