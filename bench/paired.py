"""Servers side by side in alternating rounds: the ratios the cart and ceiling targets read.

Measured minutes apart, as the single runs are, the ratio of two servers carries whatever this
machine did in between (up to 16 % between runs on unchanged code, see docs/performance). Here the
servers of one comparison (a new gateway: its response cache empty; the peers) run side by side,
each pinned to the same core (the idle ones use nothing), and wrk measures each in turn,
``PAIRED_ROUNDS`` times: each round's ratios come from runs seconds apart. Each server is warmed
up for ``WARMUP_FACTOR`` times the bench's warm-up first (V8 was still compiling the peers after
3 s), the order rotates by one server from round to round (no server always first or last), and a
figure is the geometric mean of the rounds' ratios, in which a drift through the phase (the
database's cache filling, say) that favours later runs cancels out. Given customers, no customer
is asked twice in the phase, so the gateway's response cache misses as in the single runs.

Beside requests/s, each run reads the server's CPU time from ``/proc`` (``bench.cpu``) before and
after and divides it by the answers: CPU per answered request, which PostgreSQL and wrk sharing
the other core do not move as they move requests/s. Two names may share one server (the gateway
asked for ``{ __typename }`` and for its hot sets): each run is read on its own.

Example::

    figures = measure_paired({"cart": gateway, "yoga_cart": yoga}, headers, customers,
                             bodies_for, [Ratio("cart_over_yoga", "cart", "yoga_cart")],
                             workdir=workdir, warmup_s=3, duration_s=5, connections=50,
                             log=print)
    figures["paired_cart_over_yoga"], figures["paired_cart_cpu_ms"]
    # -> (1.04, [1.91, 1.87, 1.95])
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import ProcessGone, cpu_ms_per_answer
from bench.servers import Server
from bench.wrk import run_wrk, write_script

PAIRED_ROUNDS = 3
WARMUP_FACTOR = 3
Figures = dict[str, Any]
# (server name, customer numbers) -> the bodies that server takes for them.
BodiesFor = Callable[[str, Sequence[int]], list[str]]


@dataclass(frozen=True)
class Ratio:
    """One figure of a phase: ``top`` over ``bottom`` (server names) in each round, and the
    geometric mean of the rounds, as ``paired_<key>_rounds`` and ``paired_<key>``.

    ``cpu``: over CPU per answered request instead of requests/s (so "yoga_cpu_over_cart" above
    1 means the peer spends more CPU per answer than the gateway).
    """

    key: str
    top: str
    bottom: str
    cpu: bool = False


def measure_paired(
    servers: Mapping[str, Server],
    headers: Mapping[str, Mapping[str, str]],
    customers: Sequence[int] | None,
    bodies_for: BodiesFor,
    ratios: Sequence[Ratio],
    *,
    workdir: Path,
    warmup_s: float,
    duration_s: float,
    connections: int,
    log: Callable[[str], None],
) -> Figures:
    """Warm each server up, then ``PAIRED_ROUNDS`` rounds of one wrk run per server.

    ``customers`` are split into one slice per run (warm-ups included): none is asked twice
    (None: the bodies do not depend on customers, each run is handed none). Returns, per server
    name, ``paired_<name>_rps`` and ``paired_<name>_cpu_ms`` (CPU per answer, per round), each
    of ``ratios``, and notes (too few customers, failed answers, a server gone).
    """
    names = list(servers)
    runs = len(names) * (PAIRED_ROUNDS + 1)
    per_run = 0 if customers is None else len(customers) // runs
    figures: Figures = {"notes": []}
    if customers is not None and per_run < connections * 10:
        figures["notes"].append(
            f"paired rounds ({', '.join(names)}): {len(customers):,} customers for {runs} runs; "
            "not measured (a larger --scale has enough)"
        )
        return figures
    slices = iter(
        [] if customers is None else customers[i * per_run : (i + 1) * per_run] for i in range(runs)
    )

    def run(name: str, seconds: float, label: str) -> tuple[float, float | None]:
        server = servers[name]
        script = write_script(
            workdir / f"paired-{name}-{label}.lua", bodies_for(name, next(slices)), headers[name]
        )
        try:
            before = server.cpu_s()
            result = run_wrk(server.url(), script, duration_s=seconds, connections=connections)
            cpu_ms = cpu_ms_per_answer(server.cpu_s() - before, result.requests - result.non_2xx)
        except ProcessGone:
            figures["notes"].append(f"paired {name} {label}: the server ended, not measured")
            return 0.0, None
        if result.non_2xx + result.socket_errors > result.requests * 0.01:
            figures["notes"].append(f"paired {name} {label}: failed answers, figure suspect")
        return result.rps, cpu_ms

    for name in names:
        run(name, warmup_s * WARMUP_FACTOR, "warmup")
    rps: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float | None]] = {name: [] for name in names}
    for round_number in range(PAIRED_ROUNDS):
        first = round_number % len(names)
        for name in names[first:] + names[:first]:
            speed, cpu_ms = run(name, duration_s, f"round{round_number}")
            rps[name].append(round(speed, 1))
            cpu[name].append(cpu_ms)
        log(
            f"paired round {round_number + 1}: "
            + ", ".join(
                f"{n} {rps[n][-1]:,.0f} rps, {_ms(cpu[n][-1])} CPU per answer" for n in names
            )
        )
    for name in names:
        figures[f"paired_{name}_rps"] = rps[name]
        figures[f"paired_{name}_cpu_ms"] = cpu[name]
    for ratio in ratios:
        per_round = rounds_of(ratio, rps, cpu)
        figures[f"paired_{ratio.key}_rounds"] = [round(r, 3) for r in per_round]
        figures[f"paired_{ratio.key}"] = (
            round(statistics.geometric_mean(per_round), 3)
            if len(per_round) == PAIRED_ROUNDS
            else None
        )
    return figures


def rounds_of(
    ratio: Ratio, rps: Mapping[str, list[float]], cpu: Mapping[str, list[float | None]]
) -> list[float]:
    """``ratio`` in each round where both figures were measured.

    >>> rounds_of(Ratio("a_over_b", "a", "b"), {"a": [2.0, 3.0], "b": [1.0, 0.0]}, {})
    [2.0]
    """
    values: Mapping[str, Sequence[float | None]] = cpu if ratio.cpu else rps
    found = []
    for top, bottom in zip(values[ratio.top], values[ratio.bottom], strict=True):
        if top and bottom:
            found.append(top / bottom)
    return found


def _ms(value: float | None) -> str:
    return "no" if value is None else f"{value:.2f} ms"
