"""Two ``gateway serve`` instances on one database behind a real HAProxy (Debian's package).

Each instance is a separate process on its own port, production mode with the response cache,
one shared signing key; HAProxy health-checks ``/readyz`` and retries a request another instance
could not answer (``retry-on``, ``option redispatch``). End to end, bounded in time: a
redemption through one instance is seen at once through the other; an offer id issued by one is
accepted by the other; a rolling restart (SIGTERM one, start it again, wait until HAProxy has it
back, then the other) under steady traffic fails no request.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.provision import require_tool
from tests.serving import free_port, running_gateway

CART = """query Cart($id: ID!) { cartPromotions(customerId: $id) {
  promotionId restrictions { customer { remainingRedemption } } } }"""
OFFERS = """query Offers($id: ID!) {
  personalizedOffers(input: {customerId: $id}) { offers { id offerId } } }"""
EVENT = """mutation Event($id: ID!) {
  recordOfferEvent(personalizedOfferId: $id, type: VIEWED) { __typename } }"""
REDEEM = """mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""

CHECK_INTERVAL_MS = 200
DRAIN_S = 1.0
TEST_BUDGET_S = 90.0

HAPROXY_CONFIG = """\
global
    maxconn 500
    stats socket {folder}/admin.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A request an instance could not take (refused, connection closed while it stopped) is
    # sent again, to another instance: bodies are buffered so POSTs can be retried.
    option http-buffer-request
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503
frontend gateway
    bind 127.0.0.1:{port}
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter {inter}ms fall 1 rise 2
{servers}
"""


def post(base: str, query: str, **variables: Any) -> dict[str, Any]:
    """A GraphQL answer's data (asserting 200 and no errors)."""
    response = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@dataclass
class Balancer:
    """A running HAProxy: its URL and admin socket."""

    url: str
    socket_path: Path

    def states(self) -> dict[str, str]:
        """Server name -> status (UP, DOWN, ...) from ``show stat``."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.socket_path))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {
            r["svname"]: r["status"]
            for r in rows
            if r.get("pxname") == "gateways" and r["svname"] not in ("BACKEND", "FRONTEND")
        }

    def wait_until(self, name: str, status: str, timeout_s: float = 20) -> None:
        """Wait (bounded) until HAProxy reports server ``name`` as ``status``."""
        deadline = time.monotonic() + timeout_s
        while self.states().get(name, "").split(" ")[0] != status:
            assert time.monotonic() < deadline, f"{name} not {status}: {self.states()}"
            time.sleep(0.05)


@contextmanager
def running_haproxy(folder: Path, backends: dict[str, int]) -> Iterator[Balancer]:
    """HAProxy on a free port before ``backends`` (name -> port); stopped by its PID."""
    binary = require_tool("haproxy", "haproxy")
    port = free_port()
    servers = "\n".join(f"    server {n} 127.0.0.1:{p} check" for n, p in backends.items())
    config = folder / "haproxy.cfg"
    config.write_text(
        HAPROXY_CONFIG.format(folder=folder, port=port, inter=CHECK_INTERVAL_MS, servers=servers)
    )
    check = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    log = (folder / "haproxy.log").open("w")
    process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=log)
    try:
        balancer = Balancer(f"http://127.0.0.1:{port}", folder / "admin.sock")
        deadline = time.monotonic() + 10
        while not balancer.socket_path.exists():
            assert process.poll() is None, (folder / "haproxy.log").read_text()
            assert time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.05)
        for name in backends:
            balancer.wait_until(name, "UP")
        yield balancer
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


@dataclass
class Traffic:
    """Steady, bounded traffic through the balancer in background threads; failures counted."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, clients: int = 2, max_requests: int = 20_000) -> None:
        for number in range(clients):
            thread = threading.Thread(target=self._run, args=(number, max_requests), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, number: int, max_requests: int) -> None:
        customers = ("demo-loyal", "demo-b2c", "demo-none")
        with httpx.Client(timeout=10) as http:
            for count in range(max_requests):
                if self.stop.is_set():
                    return
                if count % 5 == 4:  # a write now and then, with its idempotency key
                    key = f"rolling-{number}-{count}"
                    redemption = {
                        "customerId": "demo-loyal",
                        "promotionId": "acme-welcome10",
                        "transactionId": key,
                        "amount": "1.00",
                        "idempotencyKey": key,
                    }
                    payload: dict[str, Any] = {"query": REDEEM, "variables": {"input": redemption}}
                else:
                    payload = {"query": CART, "variables": {"id": customers[count % 3]}}
                try:
                    response = http.post(f"{self.url}/graphql", json=payload)
                    ok = response.status_code == 200 and "errors" not in response.json()
                    if not ok:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.sent += 1
                time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=15)


def gateway_env(database_dsn: str, folder: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        DATABASE_URL=database_dsn,
        GATEWAY_ENV="production",
        GATEWAY_REQUIRE_API_KEYS="false",
        GATEWAY_SIGNING_KEY="shared-by-every-instance",
        GATEWAY_DATA_DIR=str(folder / name),
        GATEWAY_LOAD_DEMO="false",
        GATEWAY_DRAIN_S=str(DRAIN_S),
        GATEWAY_LOG_LEVEL="WARNING",
        # A fixed in-flight bound: one instance takes every client while the other is down,
        # and on a loaded test machine its event loop runs late, which would lower an adaptive
        # bound and answer 503 OVERLOADED to requests these tests expect HAProxy to deliver.
        GATEWAY_ADMISSION_TARGET_LAG_MS="0",
    )
    return env


def restart(
    stack: ExitStack, process: subprocess.Popen[str], env: dict[str, str], port: int
) -> subprocess.Popen[str]:
    """SIGTERM ``process`` (it drains, then stops) and start it again on the same port."""
    process.send_signal(signal.SIGTERM)
    # Draining: still answering, but not ready, so HAProxy takes it out of rotation.
    deadline = time.monotonic() + DRAIN_S
    while (status := httpx.get(f"http://127.0.0.1:{port}/readyz").status_code) == 200:
        assert time.monotonic() < deadline, "/readyz never answered 503 while draining"
        time.sleep(0.02)
    assert status == 503
    process.wait(timeout=30)
    assert process.returncode == 0
    _, again = stack.enter_context(running_gateway(env, port=port))
    return again


def test_two_instances_share_changes_ids_and_survive_a_rolling_restart(
    database_dsn: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    ports = {"a": free_port(), "b": free_port()}
    envs = {name: gateway_env(database_dsn, tmp_path, name) for name in ports}
    with ExitStack() as stack:
        processes = {}
        urls = {}
        for name, port in ports.items():
            urls[name], processes[name] = stack.enter_context(
                running_gateway(envs[name], port=port)
            )
        balancer = stack.enter_context(running_haproxy(tmp_path, ports))

        # A redemption through a is seen at once through b (whose cache held the old answer).
        before = post(urls["b"], CART, id="demo-loyal")
        assert post(urls["b"], CART, id="demo-loyal") == before  # now from b's cache
        redeemed = post(urls["a"], REDEEM, input={
            "customerId": "demo-loyal", "promotionId": "acme-welcome10",
            "transactionId": "t-cross", "amount": "5.00", "idempotencyKey": "cross"})  # fmt: skip
        assert redeemed["redeemCartPromotion"]["__typename"] == "Redemption"
        after = post(urls["b"], CART, id="demo-loyal")
        assert after != before
        assert after == post(urls["a"], CART, id="demo-loyal")

        # An offer id issued by a is accepted by b.
        [offer] = post(urls["a"], OFFERS, id="demo-b2c")["personalizedOffers"]["offers"]
        assert post(urls["b"], EVENT, id=offer["id"])["recordOfferEvent"]

        # Rolling restart under steady traffic through HAProxy: no request fails.
        traffic = Traffic(balancer.url)
        traffic.start()
        try:
            time.sleep(0.5)
            for name in ("a", "b"):
                processes[name] = restart(stack, processes[name], envs[name], ports[name])
                balancer.wait_until(name, "UP")
                time.sleep(0.3)
        finally:
            traffic.finish()
        assert traffic.sent >= 50, "traffic kept flowing through the restart"
        assert traffic.failures == [], traffic.failures[:5]
    assert time.monotonic() - started < TEST_BUDGET_S
