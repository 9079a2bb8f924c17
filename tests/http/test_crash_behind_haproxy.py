"""A gateway instance SIGKILLed behind HAProxy while fifty clients write, then started again:
HAProxy sends the requests it lost to the other instance, clients re-send what stayed
unacknowledged, and the ledger has every acknowledged write exactly once.

Two ``gateway serve`` instances on one database behind a real HAProxy, configured as in
tests/http/test_instances_behind_haproxy.py (``retry-on conn-failure empty-response ...``,
``option redispatch``): a POST the killed instance may have committed before dying is sent again
by HAProxy, with the same idempotency key (redemptions) or the same decision (events and
fulfillments count once per decision). ``tests/crash_writes.py`` checks the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests import crash_writes
from tests.http.test_instances_behind_haproxy import (
    Balancer,
    gateway_env,
    running_haproxy,
)
from tests.serving import free_port, running_gateway

BUDGET_S = 40
FROZEN_S = 0.3
PROBES = 6


def haproxy_stats(balancer: Balancer, svname: str) -> dict[str, str]:
    """One row of HAProxy's ``show stat`` for the gateways backend (``BACKEND`` or a server)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(balancer.socket_path))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "gateways" and row.get("svname") == svname:
            return row
    raise AssertionError(f"no {svname} row in HAProxy's stats")


def retried_by_haproxy(balancer: Balancer) -> int:
    """Retries plus redispatches HAProxy made for the backend (``show stat``: wretr, wredis)."""
    row = haproxy_stats(balancer, "BACKEND")
    return int(row["wretr"] or 0) + int(row["wredis"] or 0)


async def _start_together(
    stack: ExitStack, envs: dict[str, dict[str, str]], ports: dict[str, int]
) -> dict[str, subprocess.Popen[str]]:
    """Start an instance per port at once (each startup takes seconds); stopped with ``stack``."""
    servers = {name: running_gateway(envs[name], port=port) for name, port in ports.items()}
    started = await asyncio.gather(
        *(asyncio.to_thread(server.__enter__) for server in servers.values()),
        return_exceptions=True,
    )
    for server, result in zip(servers.values(), started, strict=True):
        if not isinstance(result, BaseException):
            stack.push(server.__exit__)
    processes = {}
    for name, result in zip(servers, started, strict=True):
        if isinstance(result, BaseException):
            raise result
        processes[name] = result[1]
    return processes


async def test_an_instance_killed_behind_haproxy_loses_and_doubles_no_acknowledged_write(
    database_dsn: str, tmp_path: Path
) -> None:
    await crash_writes.prepare(database_dsn)
    ports = {"a": free_port(), "b": free_port()}
    envs = {}
    for name in ports:
        envs[name] = gateway_env(database_dsn, tmp_path, name)
        # The clients sign their decisions; no drain on the way out (nothing is measured then).
        envs[name].update(GATEWAY_SIGNING_KEY=crash_writes.SIGNING_KEY, GATEWAY_DRAIN_S="0")
    writes = crash_writes.Writes()
    with ExitStack() as stack:
        processes = await _start_together(stack, envs, ports)
        balancer = stack.enter_context(running_haproxy(tmp_path, ports))
        limits = httpx.Limits(max_connections=crash_writes.CLIENTS)
        async with httpx.AsyncClient(base_url=balancer.url, timeout=10, limits=limits) as http:
            clients = crash_writes.start_clients(http, writes, BUDGET_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(writes.flowing.wait(), 10)
            # Frozen first, so that requests are surely in flight on it when it dies (some taken
            # mid-transaction); then killed.
            processes["a"].send_signal(signal.SIGSTOP)
            # Reads sent while it is frozen: round robin hands some to it whatever the clients'
            # timing on a loaded machine, so HAProxy surely has requests to send again.
            probes = [
                asyncio.create_task(http.post("/graphql", json={"query": "{ __typename }"}))
                for _ in range(PROBES)
            ]
            await asyncio.sleep(FROZEN_S)
            # Requests HAProxy had sent to the frozen instance: those it must send again.
            in_flight_on_a = int(haproxy_stats(balancer, "a")["scur"] or 0)
            processes["a"].send_signal(signal.SIGKILL)
            killed = await asyncio.to_thread(processes["a"].wait, 10)
            answered = [(await probe).status_code for probe in probes]
            # Started again on its port while b takes everything; HAProxy takes it back.
            await asyncio.to_thread(
                lambda: stack.enter_context(running_gateway(envs["a"], port=ports["a"]))
            )
            await asyncio.to_thread(balancer.wait_until, "a", "UP")
            await asyncio.gather(*clients)
        retried = retried_by_haproxy(balancer)

    assert killed == -signal.SIGKILL
    assert answered == [200] * PROBES, answered
    await crash_writes.check_ledger(database_dsn, writes)
    # On a loaded machine HAProxy may have marked the frozen instance down (checks every 200 ms)
    # before any request reached it: then there was nothing to send again.
    if in_flight_on_a > 0:
        assert retried > 0, "HAProxy sent requests again after the instance died"
