"""The alternating rounds, with real wrk against two real HTTP servers of different cost: every
run asks for customers of its own, the order rotates, the figure is the geometric mean of the
rounds' ratios, and each server's CPU per answer is read from /proc."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bench.paired import PAIRED_ROUNDS, Ratio, measure_paired
from bench.servers import Server, free_port
from tests.provision import require_tool

# Answers each POST after burning ``cost`` seconds of CPU and remembers every body it was sent.
SERVER = """
import asyncio, sys, time
from pathlib import Path
cost, seen = float(sys.argv[2]), Path(sys.argv[3])
async def handle(reader, writer):
    with seen.open("a") as out:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\\r\\n")
                          if line.lower().startswith(b"content-length"))
            body = await reader.readexactly(length)
            out.write(body.decode() + "\\n")
            out.flush()
            end = time.process_time() + cost
            while time.process_time() < end:
                pass
            writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\n{}")
            await writer.drain()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
"""


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[dict[str, Server]]:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    servers = {}
    for name, cost in (("cart", "0.002"), ("yoga_cart", "0.004")):
        port = free_port()
        command = [sys.executable, str(script), str(port), cost, str(tmp_path / f"{name}.seen")]
        servers[name] = Server.start(
            name, command, port=port, env={}, log=tmp_path / name, core=None
        )
    try:
        for server in servers.values():
            server.wait_ready(b"{}", {}, timeout_s=30)
        (tmp_path / "cart.seen").write_text("")  # the readiness probes are not runs
        (tmp_path / "yoga_cart.seen").write_text("")
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def test_rounds_alternate_on_customers_of_their_own_and_report_the_geometric_mean(
    two_servers: dict[str, Server], tmp_path: Path
) -> None:
    require_tool("wrk", "wrk")

    def bodies_for(name: str, numbers: Sequence[int]) -> list[str]:
        return [f'{{"server": "{name}", "customer": {n}}}' for n in numbers]

    lines: list[str] = []
    ratios = [Ratio("cart_over_yoga", "cart", "yoga_cart"),
              Ratio("yoga_cpu_over_cart", "yoga_cart", "cart", cpu=True)]  # fmt: skip
    figures = measure_paired(
        two_servers, {"cart": {}, "yoga_cart": {}}, list(range(16_000)), bodies_for, ratios,
        workdir=tmp_path, warmup_s=1, duration_s=1, connections=4, log=lines.append,
    )  # fmt: skip
    assert figures["notes"] == []
    assert len(figures["paired_cart_rps"]) == len(figures["paired_yoga_cart_rps"]) == PAIRED_ROUNDS
    rounds = zip(figures["paired_cart_rps"], figures["paired_yoga_cart_rps"], strict=True)
    per_round = [ours / theirs for ours, theirs in rounds]
    assert figures["paired_cart_over_yoga"] == round(statistics.geometric_mean(per_round), 3)
    assert figures["paired_cart_over_yoga"] > 1.3  # half the cost: about twice as fast
    # CPU per answer, from /proc: the cost burnt, plus a little HTTP, whatever the machine did.
    assert all(2.0 <= ms < 3.5 for ms in figures["paired_cart_cpu_ms"])
    assert all(4.0 <= ms < 6.0 for ms in figures["paired_yoga_cart_cpu_ms"])
    assert 1.5 < figures["paired_yoga_cpu_over_cart"] < 2.1
    assert len(figures["paired_yoga_cpu_over_cart_rounds"]) == PAIRED_ROUNDS
    assert len(lines) == PAIRED_ROUNDS
    assert "ms CPU per answer" in lines[0]
    # No customer was asked of both servers, nor twice of one (wrk cycles over fewer bodies
    # than a slice holds in a 1 s run at this pace).
    seen = {name: (tmp_path / f"{name}.seen").read_text().splitlines() for name in two_servers}
    customers = {name: [line.split('"customer": ')[1] for line in seen[name]] for name in seen}
    assert len(set(customers["cart"])) == len(customers["cart"]) > 0
    assert not set(customers["cart"]) & set(customers["yoga_cart"])


def test_too_few_customers_are_a_note_not_a_figure(two_servers: dict[str, Server]) -> None:
    figures = measure_paired(
        two_servers, {"cart": {}, "yoga_cart": {}}, list(range(100)), lambda _n, ns: [],
        [Ratio("cart_over_yoga", "cart", "yoga_cart")], workdir=Path("."), warmup_s=1,
        duration_s=1, connections=50, log=print,
    )  # fmt: skip
    assert "paired_cart_over_yoga" not in figures
    assert "not measured" in figures["notes"][0]
