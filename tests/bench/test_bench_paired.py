"""The alternating rounds, with real wrk against two real HTTP servers of different speed: every
run asks for customers of its own, the order rotates, and the figure is the geometric mean of the
rounds' ratios."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bench.paired import PAIRED_ROUNDS, measure_paired
from bench.servers import Server, free_port
from tests.provision import require_tool

# Answers each POST after ``delay`` seconds and remembers every body it was sent.
SERVER = """
import asyncio, sys
from pathlib import Path
delay, seen = float(sys.argv[2]), Path(sys.argv[3])
async def handle(reader, writer):
    with seen.open("a") as out:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\\r\\n")
                          if line.lower().startswith(b"content-length"))
            body = await reader.readexactly(length)
            out.write(body.decode() + "\\n")
            out.flush()
            await asyncio.sleep(delay)
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
    for name, delay in (("cart", "0.01"), ("yoga_cart", "0.02")):
        port = free_port()
        command = [sys.executable, str(script), str(port), delay, str(tmp_path / f"{name}.seen")]
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
    figures = measure_paired(
        two_servers, {"cart": {}, "yoga_cart": {}}, list(range(16_000)), bodies_for,
        workdir=tmp_path, warmup_s=1, duration_s=1, connections=4, log=lines.append,
    )  # fmt: skip
    assert figures["notes"] == []
    assert len(figures["paired_cart_rps"]) == len(figures["paired_yoga_cart_rps"]) == PAIRED_ROUNDS
    rounds = zip(figures["paired_cart_rps"], figures["paired_yoga_cart_rps"], strict=True)
    ratios = [ours / theirs for ours, theirs in rounds]
    assert figures["paired_cart_over_yoga"] == round(statistics.geometric_mean(ratios), 3)
    assert figures["paired_cart_over_yoga"] > 1.3  # half the delay: about twice as fast
    assert len(lines) == PAIRED_ROUNDS
    # No customer was asked of both servers, nor twice of one (wrk cycles over fewer bodies
    # than a slice holds in a 1 s run at this pace).
    seen = {name: (tmp_path / f"{name}.seen").read_text().splitlines() for name in two_servers}
    customers = {name: [line.split('"customer": ')[1] for line in seen[name]] for name in seen}
    assert len(set(customers["cart"])) == len(customers["cart"]) > 0
    assert not set(customers["cart"]) & set(customers["yoga_cart"])


def test_too_few_customers_are_a_note_not_a_figure(two_servers: dict[str, Server]) -> None:
    figures = measure_paired(
        two_servers, {"cart": {}, "yoga_cart": {}}, list(range(100)), lambda _n, ns: [],
        workdir=Path("."), warmup_s=1, duration_s=1, connections=50, log=print,
    )  # fmt: skip
    assert "paired_cart_over_yoga" not in figures
    assert "not measured" in figures["notes"][0]
