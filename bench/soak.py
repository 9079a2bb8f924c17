"""``gateway bench --soak``, the stability check: the gateway held at a fraction of its measured
maximum for minutes; it passes with zero errors, RSS growth under 10 % and the paced rate achieved.

Steps: the dataset and the gateway as ``gateway bench`` starts them (one worker pinned to core 0,
production mode, an API key); the maximum rps of a realistic MIX (personalizedOffers with a user
agent and custom attributes, cartPromotions with restrictions and supplementaryCriteria, a few
``{ __typename }``) with wrk on core 1 after a warm-up; then wrk paced at ``fraction`` of that
maximum for ``seconds``, counting non-2xx responses and GraphQL errors (HTTP 200 with ``"errors"``)
in Lua, while the worker's RSS is sampled every 10 s. Growth is measured from the first sample
after one minute (warm caches) to the last one.

From a shell::

    gateway bench --soak --scale 0.05                       # 5 minutes at 80 %
    gateway bench --soak --soak-seconds 30 --scale 0.01     # a quick check
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.cache_counts import cache_counts, cache_hit_pct
from bench.pacing import connection_interval_ms, paced_lua, parse_counts
from bench.report import Figures, show
from bench.run import (
    BenchOptions,
    Log,
    Scenario,
    bench_key,
    check_answers,
    gateway_env,
    hello_body,
    prepare_dataset,
    start_gateway,
)
from bench.servers import SERVER_CORE, Server, ServerError
from bench.shape import Shape
from bench.wrk import finish_wrk, parse_output, run_wrk, start_wrk, write_script

SAMPLE_EVERY_S = 10.0
WARM_AFTER_S = 60.0
MAX_RSS_GROWTH_PCT = 10.0
MIN_ACHIEVED_SHARE = 0.95
HELLO_EVERY = 4  # one `{ __typename }` after every 4 personalized + cart pairs

# The keys of the last line, in this order (more may follow them).
JSON_KEYS = (
    "soak_seconds", "target_rps", "achieved_rps", "requests", "errors", "non_2xx",
    "graphql_errors", "socket_errors", "rss_start_mb", "rss_end_mb", "rss_growth_pct", "p50_ms",
    "p99_ms", "passed",
)  # fmt: skip


@dataclass(frozen=True)
class SoakOptions:
    """What ``gateway bench --soak`` was asked for (``bench`` gives scale, database, wrk runs)."""

    bench: BenchOptions = field(default_factory=BenchOptions)
    seconds: float = 300.0
    fraction: float = 0.8


@dataclass(frozen=True)
class Sample:
    """One reading during the soak: seconds since it started, RSS, 1-minute load average."""

    at_s: float
    rss_mb: float
    load_1m: float


def mix_bodies(shape: Shape, count: int = 5000) -> list[str]:
    """personalizedOffers and cartPromotions bodies in turn, a ``{ __typename }`` now and then.

    >>> import orjson
    >>> [orjson.loads(b)["query"].split()[1][:4] for b in mix_bodies(Shape.at(0.01))[:9]]
    ['Offe', 'Cart', 'Offe', 'Cart', 'Offe', 'Cart', 'Offe', 'Cart', '__ty']
    """
    personalized = scenarios.personalized_bodies(shape, count)
    cart = scenarios.cart_bodies(shape, count)
    hello = scenarios.body(scenarios.HELLO)
    bodies: list[str] = []
    for i, pair in enumerate(zip(personalized, cart, strict=True)):
        bodies += pair
        if i % HELLO_EVERY == HELLO_EVERY - 1:
            bodies.append(hello)
    return bodies


def rss_growth(
    samples: Sequence[Sample], warm_after_s: float = WARM_AFTER_S
) -> tuple[float, float, float]:
    """(start MB, end MB, growth %): the first sample after ``warm_after_s`` (the first one when
    the run is shorter) against the last.

    >>> rss_growth([Sample(0, 80, 1), Sample(60, 100, 1), Sample(300, 105, 1)])
    (100, 105, 5.0)
    """
    if not samples:
        return math.nan, math.nan, math.nan
    warm = [s for s in samples if s.at_s >= warm_after_s]
    start = warm[0] if len(warm) >= 2 else samples[0]
    end = samples[-1]
    growth = (end.rss_mb - start.rss_mb) / start.rss_mb * 100 if start.rss_mb > 0 else math.nan
    return round(start.rss_mb, 1), round(end.rss_mb, 1), round(growth, 2)


def verdict(*, errors: int, rss_growth_pct: float, achieved_rps: float, target_rps: float) -> bool:
    """Passed: no error at all, RSS growth under 10 % and at least 95 % of the target rate.

    >>> verdict(errors=0, rss_growth_pct=3.0, achieved_rps=396, target_rps=400)
    True
    """
    return (
        errors == 0
        and not math.isnan(rss_growth_pct)
        and rss_growth_pct < MAX_RSS_GROWTH_PCT
        and target_rps > 0
        and achieved_rps >= MIN_ACHIEVED_SHARE * target_rps
    )


def soak_figures(
    *,
    seconds: float,
    target_rps: float,
    output: str,
    samples: Sequence[Sample],
    warm_after_s: float = WARM_AFTER_S,
) -> Figures:
    """The soak's figures from the paced wrk run's output and the samples (JSON_KEYS first)."""
    result = parse_output(output)
    non_2xx, graphql_errors, first_error = parse_counts(output)
    errors = non_2xx + graphql_errors + result.socket_errors
    start_mb, end_mb, growth = rss_growth(samples, warm_after_s)
    figures: Figures = {
        "soak_seconds": seconds,
        "target_rps": round(target_rps, 1),
        "achieved_rps": round(result.rps, 1),
        "requests": result.requests,
        "errors": errors,
        "non_2xx": non_2xx,
        "graphql_errors": graphql_errors,
        "socket_errors": result.socket_errors,
        "rss_start_mb": start_mb,
        "rss_end_mb": end_mb,
        "rss_growth_pct": growth,
        "p50_ms": round(result.p50_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "passed": verdict(
            errors=errors, rss_growth_pct=growth, achieved_rps=result.rps, target_rps=target_rps
        ),
        "first_error": first_error or None,
        "rss_samples_mb": [round(s.rss_mb, 1) for s in samples],
        "load_1m": [round(s.load_1m, 2) for s in samples],
        "notes": [],
    }
    if samples and samples[-1].at_s < WARM_AFTER_S + SAMPLE_EVERY_S:
        figures["notes"].append("shorter than the one-minute warm-up: growth from the first sample")
    if result.non_2xx != non_2xx:
        figures["notes"].append(f"wrk counted {result.non_2xx} non-2xx, the script {non_2xx}")
    return figures


def run_soak(options: SoakOptions, log: Log) -> Figures:
    """Dataset, gateway, maximum of the mix, then the paced soak: its figures."""
    bench = options.bench
    with ExitStack() as stack:
        info = prepare_dataset(stack, bench, log)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gateway-soak-")))
        headers = {"Authorization": f"Bearer {asyncio.run(bench_key(info.dsn))}"}
        env = gateway_env(info.dsn, workdir, connections=bench.connections)
        server = stack.enter_context(start_gateway(workdir, env, workers=1, core=SERVER_CORE))
        server.wait_ready(hello_body(), headers, timeout_s=60)
        bodies = mix_bodies(info.shape)
        check_answers(server, Scenario("mix", bodies), headers)
        maximum = _maximum(server, bodies, headers, bench, workdir, log)
        target = maximum["max_rps"] * options.fraction
        log(
            f"soak: {options.seconds:.0f} s at {options.fraction:.0%} of the maximum = "
            f"{target:,.0f} rps, {bench.connections} connections, "
            f"{connection_interval_ms(target, bench.connections):.1f} ms per connection ..."
        )
        script = write_script(
            workdir / "soak.lua",
            bodies,
            headers,
            extra=paced_lua(target, bench.connections),
        )
        cache_before = cache_counts(server, headers)
        output, samples = _paced_run(server, script, options, log)
        cache_after = cache_counts(server, headers)
    # Caches are warm after a minute, or once every body has been sent (the response cache is
    # keyed by body): growth is measured from then, so a bounded cache filling up is not a leak.
    pass_s = len(bodies) / target
    warm_after_s = max(WARM_AFTER_S, pass_s)
    figures = soak_figures(
        seconds=options.seconds,
        target_rps=target,
        output=output,
        samples=samples,
        warm_after_s=warm_after_s,
    )
    figures["cache_hit_pct"] = cache_hit_pct(cache_before, cache_after)
    figures["mix_bodies"] = len(bodies)
    figures["rss_warm_after_s"] = round(warm_after_s, 1)
    if pass_s > WARM_AFTER_S:
        figures["notes"].append(
            f"one pass over the mix's {len(bodies):,} bodies takes {pass_s:.0f} s at the target: "
            "RSS growth is measured from then (the response cache fills until then)"
        )
    figures["notes"] = maximum.pop("notes") + figures["notes"]
    figures.update(maximum)
    figures.update(
        fraction=options.fraction,
        connections=bench.connections,
        scale=bench.scale,
        cores=os.cpu_count(),
    )
    return figures


def _maximum(
    server: Server,
    bodies: Sequence[str],
    headers: Mapping[str, str],
    bench: BenchOptions,
    workdir: Path,
    log: Log,
) -> dict[str, Any]:
    script = write_script(workdir / "mix.lua", bodies, headers)
    log(f"maximum of the mix: warm-up {bench.warmup_s:.0f} s, then {bench.duration_s:.0f} s ...")
    if bench.warmup_s > 0:
        # Warm up on the second half: the measured run starts from the first body, and answers
        # the warm-up had just cached would inflate the maximum the soak is then held to.
        warmup = write_script(workdir / "mix-warmup.lua", bodies[len(bodies) // 2 :], headers)
        run_wrk(server.url(), warmup, duration_s=bench.warmup_s, connections=bench.connections)
    result = run_wrk(
        server.url(), script, duration_s=bench.duration_s, connections=bench.connections
    )
    if result.requests == 0 or result.rps <= 0:
        raise ServerError("no response completed while measuring the maximum")
    notes = []
    if result.non_2xx + result.socket_errors:
        notes.append(
            f"maximum run: {result.non_2xx} non-2xx and {result.socket_errors} socket errors"
        )
    log(f"maximum: {result.rps:,.0f} rps, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
    return {
        "max_rps": round(result.rps, 1),
        "max_p50_ms": round(result.p50_ms, 2),
        "max_p99_ms": round(result.p99_ms, 2),
        "max_load_1m": round(os.getloadavg()[0], 2),
        "notes": notes,
    }


def _paced_run(
    server: Server, script: Path, options: SoakOptions, log: Log
) -> tuple[str, list[Sample]]:
    """Run the paced wrk while sampling the server every ``SAMPLE_EVERY_S``; wrk's output."""
    process = start_wrk(
        server.url(), script, duration_s=options.seconds, connections=options.bench.connections
    )
    try:
        samples = _sample_until_done(process, server, log)
        return finish_wrk(process, duration_s=options.seconds), samples
    finally:
        if process.poll() is None:  # an error or Ctrl-C while sampling: stop our wrk by PID
            process.kill()
            process.wait()


def _sample_until_done(process: subprocess.Popen[str], server: Server, log: Log) -> list[Sample]:
    started = time.monotonic()

    def sample() -> Sample:
        return Sample(time.monotonic() - started, server.rss_tree_mb(), os.getloadavg()[0])

    samples = [sample()]
    while True:
        due = started + SAMPLE_EVERY_S * len(samples)
        try:
            # wrk prints only when it ends (a few lines): its pipe cannot fill meanwhile.
            process.wait(timeout=max(0.0, due - time.monotonic()))
            break
        except subprocess.TimeoutExpired:
            samples.append(sample())
        if server.process.poll() is not None:
            raise ServerError(f"{server.name} exited during the soak: {server.tail()}")
        if len(samples) % 6 == 1:
            now = samples[-1]
            log(f"soak: {now.at_s:.0f} s, RSS {now.rss_mb:.1f} MB, load {now.load_1m:.2f}")
    samples.append(sample())
    return samples


def table(figures: Mapping[str, Any]) -> str:
    """The human-readable summary (the JSON line follows it)."""
    rows = [
        ("maximum of the mix (rps)", figures.get("max_rps")),
        ("target rps", f"{show(figures['target_rps'])} ({figures.get('fraction', 0):.0%})"),
        ("achieved rps", figures["achieved_rps"]),
        ("requests", figures["requests"]),
        ("errors (non-2xx / GraphQL / socket)", _errors(figures)),
        ("latency p50 / p99 (ms)", f"{show(figures['p50_ms'])} / {show(figures['p99_ms'])}"),
        (
            "RSS start -> end (MB)",
            f"{show(figures['rss_start_mb'])} -> {show(figures['rss_end_mb'])}",
        ),
        ("RSS growth (%)", figures["rss_growth_pct"]),
        ("response-cache hits (%)", figures.get("cache_hit_pct")),
        ("1-minute load average (samples)", _load(figures)),
        ("passed", "yes" if figures["passed"] else "NO"),
    ]
    lines = [f"soak: {figures['soak_seconds']:.0f} s"]
    lines += [
        f"  {label:<38} {value if isinstance(value, str) else show(value)}" for label, value in rows
    ]
    if figures.get("first_error"):
        lines.append(f"first error: {figures['first_error']}")
    lines += [f"note: {note}" for note in figures.get("notes", [])]
    return "\n".join(lines)


def _errors(figures: Mapping[str, Any]) -> str:
    return (
        f"{figures['errors']} ({figures['non_2xx']} / {figures['graphql_errors']} / "
        f"{figures['socket_errors']})"
    )


def _load(figures: Mapping[str, Any]) -> str:
    loads = figures.get("load_1m") or []
    if not loads:
        return "-"
    return f"min {min(loads):.2f}, max {max(loads):.2f} ({figures.get('cores')} cores)"
