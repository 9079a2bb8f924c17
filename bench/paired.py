"""Cart against its peers in alternating rounds: the ratios the cart targets are read from.

Measured minutes apart, as the single runs are, the ratio of two servers carries whatever this
machine did in between (up to 16 % between runs on unchanged code, see docs/performance). Here the
gateway (a new process: its response cache empty), the Yoga peer and PostGraphile run side by side,
each pinned to the same core (the idle ones use nothing), and wrk measures each in turn,
``PAIRED_ROUNDS`` times: each round's ratios come from runs seconds apart. Each server is warmed
up for ``WARMUP_FACTOR`` times the bench's warm-up first (V8 was still compiling the peers after
3 s), the order rotates from round to round (each server first, middle and last once), and the
figure is the geometric mean of the rounds' ratios, in which a drift through the phase (the
database's cache filling, say) that favours later runs cancels out. No customer is asked twice
in this phase, so the gateway's response cache misses as in the single runs.

Example::

    figures = measure_paired({"cart": gateway, "yoga_cart": yoga}, headers, customers,
                             bodies_for, workdir=workdir, warmup_s=3, duration_s=5,
                             connections=50, log=print)
    figures["paired_cart_over_yoga"]
    # -> 1.04
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.servers import Server
from bench.wrk import run_wrk, write_script

PAIRED_ROUNDS = 3
WARMUP_FACTOR = 3
# The gateway's server is the first; the others are compared with it.
GATEWAY = "cart"
Figures = dict[str, Any]
# (server name, customer numbers) -> the bodies that server's cart takes for them.
BodiesFor = Callable[[str, Sequence[int]], list[str]]


def measure_paired(
    servers: Mapping[str, Server],
    headers: Mapping[str, Mapping[str, str]],
    customers: Sequence[int],
    bodies_for: BodiesFor,
    *,
    workdir: Path,
    warmup_s: float,
    duration_s: float,
    connections: int,
    log: Callable[[str], None],
) -> Figures:
    """Warm each server up, then ``PAIRED_ROUNDS`` rounds of one wrk run per server.

    ``customers`` are split into one slice per run (warm-ups included): none is asked twice.
    Returns ``paired_<name>_rps`` (per round), ``paired_cart_over_<peer>_rounds`` and
    ``paired_cart_over_<peer>`` (their geometric mean) for every peer, and a note when there are
    too few customers.
    """
    names = list(servers)
    runs = len(names) * (PAIRED_ROUNDS + 1)
    per_run = len(customers) // runs
    figures: Figures = {"notes": []}
    if per_run < connections * 10:
        figures["notes"].append(
            f"paired rounds: {len(customers):,} customers for {runs} runs; not measured "
            "(a larger --scale has enough)"
        )
        return figures
    slices = iter(customers[i * per_run : (i + 1) * per_run] for i in range(runs))

    def run(name: str, seconds: float, label: str) -> float:
        script = write_script(
            workdir / f"paired-{name}-{label}.lua", bodies_for(name, next(slices)), headers[name]
        )
        result = run_wrk(servers[name].url(), script, duration_s=seconds, connections=connections)
        if result.non_2xx + result.socket_errors > result.requests * 0.01:
            figures["notes"].append(f"paired {name} {label}: failed answers, figure suspect")
        return result.rps

    for name in names:
        run(name, warmup_s * WARMUP_FACTOR, "warmup")
    rps: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(PAIRED_ROUNDS):
        first = round_number % len(names)
        for name in names[first:] + names[:first]:
            rps[name].append(round(run(name, duration_s, f"round{round_number}"), 1))
        log(
            f"paired round {round_number + 1}: "
            + ", ".join(f"{n} {rps[n][-1]:,.0f} rps" for n in names)
        )
    for name in names:
        figures[f"paired_{name}_rps"] = rps[name]
        if name == GATEWAY:
            continue
        ratios = [
            ours / theirs for ours, theirs in zip(rps[GATEWAY], rps[name], strict=True) if theirs
        ]
        peer = name.removesuffix("_cart")
        figures[f"paired_cart_over_{peer}_rounds"] = [round(r, 3) for r in ratios]
        figures[f"paired_cart_over_{peer}"] = (
            round(statistics.geometric_mean(ratios), 3) if ratios else None
        )
    return figures
