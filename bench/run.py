"""``gateway bench``: build or reuse the dataset, measure every scenario in one run, report.

Order: dataset; SQL round trips and the evaluator (in-process, nothing else running); the gateway
(one worker, pinned to core 0, production mode) under wrk on core 1 for the ceiling,
personalizedOffers and cartPromotions (each at its maximum, then paced at 80 % and at 60 % of it
for the latency), the hot sets and ``_entities``, personalizedOffers under 10x overload (latency of
admitted and refused requests apart), then its RSS; the naive baseline; PostGraphile v4; the Yoga
peer (its answers compared with ours first); the gateway with two workers (not pinned); the two
paired phases (``bench.paired_phases``, which the cart and ceiling targets read): the cart on a
new gateway, the no-GraphQL floor and both Node peers side by side, in alternating rounds, with
each server's CPU per answer, then ``{ __typename }`` and the hot sets on another new gateway
against a bare Starlette endpoint; the replica's share. Every server is stopped by PID when its part
ends, also on errors and Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench import scenarios
from bench.cache_counts import cache_counts, cache_hit_pct
from bench.customer_rows import BRANDS
from bench.dataset import DatasetInfo, ensure_dataset
from bench.first_part import FirstPartError, measure_first_part
from bench.overload import OVERLOAD_FACTOR, goodput_figures, measure_overload, overload_figures
from bench.pacing import paced_lua, parse_counts
from bench.paired_phases import COLD_HITS_PCT, HOT_SET, PairedSetup, cart_phase, ceiling_phase
from bench.report import Figures, add_ratios_and_targets, show
from bench.round_trips import count_round_trips, has_field, probes_for, schema_sdl
from bench.servers import Server, ServerError, free_port, post
from bench.shape import Shape, customer_id, describe_shape
from bench.wrk import WrkResult, finish_wrk, parse_output, run_wrk, start_wrk, write_script
from bench.yoga_peer import compare_with_gateway, install_yoga, start_yoga
from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from gateway.cli.embedded import EmbeddedPostgres
from gateway.evaluator.bench import run_benchmark
from gateway.http.admission import RETRY_AFTER_S
from gateway.ide.npm_project import install as npm_install
from gateway.ide.npm_project import is_current as npm_is_current
from gateway.settings import PRODUCTION_MAX_IN_FLIGHT, load_settings

# The PostGraphile peer: pinned in the bench folder, installed into the data dir on first use.
POSTGRAPHILE = Path(__file__).with_name("postgraphile")
Log = Callable[[str], None]


# The second paced run: a worker with room to spare, to show where the latency target holds when
# 80 % of the maximum is more than a worker serves one request at a time (see docs/performance).
HEADROOM_FRACTION = 0.6


@dataclass(frozen=True)
class BenchOptions:
    """What ``gateway bench`` was asked for."""

    scale: float = 1.0
    duration_s: float = 10.0
    warmup_s: float = 3.0
    connections: int = 50
    database: str = "gateway_bench"
    rebuild: bool = False
    evaluator_requests: int = 2_000
    skip_postgraphile: bool = False
    skip_yoga: bool = False
    # Latency is measured with wrk paced at this share of each cold scenario's maximum (the
    # target), then at ``HEADROOM_FRACTION`` of it (where a worker is run with room to spare).
    paced_fraction: float = 0.8
    # Sequential requests for the deferred cart's first part (each customer: both queries).
    defer_requests: int = 100
    skip_replica: bool = False
    # The live-updates phase: subscriptions of each kind on one worker (0: skipped).
    live_subscribers: int = 1_000


@dataclass
class Scenario:
    """One load scenario: its name in the figures and the bodies wrk sends."""

    name: str
    bodies: list[str]
    # Other customers' bodies for the warm-up, so that the measured run misses the cache.
    warmup_bodies: list[str] | None = None
    # Heavy requests (100 customers' promotions in one answer, ~0.6 s of one core each) are
    # measured with a few connections: with 50, every one of them waits past wrk's timeout.
    connections: int | None = None
    # Other customers again, for the run paced at a share of the maximum (None: no paced run).
    paced_bodies: list[str] | None = None


class Phases:
    """Numbered phase lines: ``[5/12] cart: ... (1 min 02 s so far, about 1 min 30 s left)``.

    The time left counts the load runs still to come (warm-up + duration each), the part of a
    run that is known in advance.
    """

    def __init__(self, log: Log, total: int, load_runs: int, seconds_per_run: float) -> None:
        self.log = log
        self.total = total
        self.load_runs_left = load_runs
        self.seconds_per_run = seconds_per_run
        self.number = 0
        self.started = time.monotonic()

    def __call__(self, text: str, *, load_run: bool = False) -> None:
        """Log the next phase; ``load_run``: it is one of the timed load runs."""
        self.number += 1
        elapsed = _minutes(time.monotonic() - self.started)
        left = _minutes(self.load_runs_left * self.seconds_per_run)
        self.load_runs_left -= 1 if load_run else 0
        self.log(f"[{self.number}/{self.total}] {text} ({elapsed} so far, about {left} left)")


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def run_bench(options: BenchOptions, log: Log) -> Figures:
    """Every figure of one run (see ``report`` for the keys)."""
    figures: Figures = {"notes": []}
    plan = plan_scenarios(Shape.at(options.scale), figures)
    # Load runs: the plan's (and its paced ones), three for overload (capacity, Retry-After,
    # storm), the naive baseline, PostGraphile and Yoga (unless skipped), two workers.
    paced = sum(1 for scenario in plan if scenario.paced_bodies)
    peers = (0 if options.skip_postgraphile else 1) + (0 if options.skip_yoga else 1)
    load_runs = len(plan) + 2 * paced + 3 + 2 + peers
    phases = 4 + load_runs + (1 if options.live_subscribers else 0)
    phase = Phases(log, phases, load_runs, options.warmup_s + options.duration_s + 2)
    with ExitStack() as stack:
        phase("dataset")
        info = prepare_dataset(stack, options, log)
        shape = info.shape
        figures["dataset"] = _dataset_figures(info)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gateway-bench-")))
        phase("SQL round trips (in-process, development mode)")
        _round_trips(info.dsn, shape, plan, figures)
        phase("evaluator alone (100 / 1,000 / 10,000 plays)")
        _evaluator(options, figures)
        token = asyncio.run(bench_key(info.dsn))
        headers = {"Authorization": f"Bearer {token}"}
        measure = _Measurer(options, workdir, log, figures, phase)
        env = gateway_env(info.dsn, workdir, connections=options.connections)
        with start_gateway(workdir, env, workers=1, core="0") as server:
            server.wait_ready(hello_body(), headers, timeout_s=60)
            for scenario in plan:
                measure(server, scenario, headers)
            _first_part(server, shape, headers, options, log, figures)
            figures["rss_mb"] = round(server.rss_mb(), 1)
        bounded_env = {
            **env,
            "GATEWAY_MAX_IN_FLIGHT": str(in_flight_bound(options.connections)),
            "GATEWAY_RESPONSE_CACHE": "0",  # every answer computed: the worker's real capacity
        }
        with start_gateway(workdir, bounded_env, workers=1, core="0") as server:
            server.wait_ready(hello_body(), headers, timeout_s=60)
            _overload(server, plan, headers, workdir, options, figures, log, phase)
        figures["workers1_rps"] = figures.get("cart_rps")
        with _naive(workdir, info.dsn) as naive:
            naive.wait_ready(hello_body(), {}, timeout_s=60)
            measure(naive, cold_cart_scenario(shape, "naive_cart"), {})
        if options.skip_postgraphile:
            figures["notes"].append("PostGraphile skipped (--skip-postgraphile)")
        else:
            _postgraphile(info.dsn, shape, workdir, measure, log, figures)
        if options.skip_yoga:
            figures["notes"].append("the Yoga peer skipped (--skip-yoga)")
        else:
            _yoga(info.dsn, shape, workdir, measure, log, figures)
        with start_gateway(workdir, env, workers=2, core=None) as server:
            server.wait_ready(hello_body(), headers, timeout_s=60)
            measure(server, cold_cart_scenario(shape, "workers2"), headers)
        phase("cart against the floor and its peers, then { __typename } against bare Starlette")
        _paired(options, info.dsn, shape, workdir, env, headers, log, figures)
        if options.skip_replica:
            figures["notes"].append("replica_read_share skipped (--skip-replica)")
        else:
            _replica_share(options, workdir, env, log, figures)
        if options.live_subscribers:
            phase(f"live updates: {options.live_subscribers:,} subscriptions on one worker")
            _live(options, info.dsn, workdir, log, figures)
        else:
            figures["notes"].append("live updates skipped (--skip-live)")
    figures["duration_s"] = options.duration_s
    figures["connections"] = options.connections
    figures["scale"] = options.scale
    figures["paced_fraction"] = options.paced_fraction
    return add_ratios_and_targets(figures)


def run_live_only(options: BenchOptions, log: Log) -> Figures:
    """Only the live-updates figures: their own database on the bench's server, one worker."""
    figures: Figures = {"notes": []}
    with ExitStack() as stack:
        server_dsn = _server_dsn(stack)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gateway-bench-")))
        _live(options, server_dsn, workdir, log, figures)
    return add_ratios_and_targets(figures)


def _live(options: BenchOptions, dsn: str, workdir: Path, log: Log, figures: Figures) -> None:
    from bench.live import LiveOptions, run_live

    live = LiveOptions(subscribers=options.live_subscribers)
    figures.update(run_live(dsn, workdir, live, log))


def run_first_part_only(options: BenchOptions, log: Log) -> Figures:
    """Only the deferred cart's first-part figure: dataset, one pinned gateway, sequential asks."""
    figures: Figures = {"notes": []}
    with ExitStack() as stack:
        info = prepare_dataset(stack, options, log)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gateway-bench-")))
        headers = {"Authorization": f"Bearer {asyncio.run(bench_key(info.dsn))}"}
        with start_gateway(workdir, gateway_env(info.dsn, workdir), workers=1, core="0") as server:
            server.wait_ready(hello_body(), headers, timeout_s=60)
            _first_part(server, info.shape, headers, options, log, figures)
    figures["scale"] = options.scale
    return add_ratios_and_targets(figures)


def _first_part(
    server: Server,
    shape: Shape,
    headers: Mapping[str, str],
    options: BenchOptions,
    log: Log,
    figures: Figures,
) -> None:
    log(f"deferred cart: first part vs listing ({options.defer_requests} customers) ...")
    try:
        figures.update(
            measure_first_part(server.url(), shape, headers, requests=options.defer_requests)
        )
    except FirstPartError as exc:
        figures["notes"].append(f"deferred cart not measured: {exc}")


def prepare_dataset(stack: ExitStack, options: BenchOptions, log: Log) -> DatasetInfo:
    """The dataset of ``options.scale`` on DATABASE_URL's server (or an embedded one that
    ``stack`` stops), built or reused."""
    server_dsn = _server_dsn(stack)
    shape = Shape.at(options.scale)
    log(f"dataset: {describe_shape(shape)} in database {options.database!r} ...")
    info = asyncio.run(ensure_dataset(server_dsn, options.database, shape, rebuild=options.rebuild))
    how = "reused (it took" if info.reused else "built in"
    log(f"dataset {how} {info.seconds:.1f} s{')' if info.reused else ''}: {show(info.row_counts)}")
    return info


def _server_dsn(stack: ExitStack) -> str:
    """DATABASE_URL, or an embedded server's (which ``stack`` stops)."""
    settings = load_settings()
    if settings.database_url:
        return settings.database_url
    embedded = EmbeddedPostgres(settings.data_dir / "postgres")
    stack.callback(embedded.stop)
    return embedded.start()


def _dataset_figures(info: DatasetInfo) -> dict[str, Any]:
    return {
        "reused": info.reused,
        "build_seconds": round(info.seconds, 1),
        **{f"rows_{table}": count for table, count in info.row_counts.items()},
    }


def plan_scenarios(shape: Shape, figures: Figures) -> list[Scenario]:
    """The gateway scenarios this checkout can serve (missing ones are noted, figures null)."""
    sdl = schema_sdl()
    plan = [Scenario("hello", [scenarios.body(scenarios.HELLO)])]
    if has_field(sdl, "Query", "personalizedOffers"):
        warm, measured = scenarios.cold_customers(shape)
        at_maximum, paced = measured[::2], measured[1::2]
        plan.append(
            Scenario(
                "personalized",
                scenarios.personalized_bodies_for(at_maximum),
                warmup_bodies=scenarios.personalized_bodies_for(warm),
                paced_bodies=scenarios.personalized_bodies_for(paced),
            )
        )
    else:
        figures["notes"].append("personalizedOffers is not in the schema yet: not measured")
    plan.append(cold_cart_scenario(shape, "cart", paced=True))
    # Hot sets: the same 200 customers asking again (page reloads, a router retrying), which the
    # response cache serves; the cold scenarios above meet each customer once and miss.
    if has_field(sdl, "Query", "personalizedOffers"):
        hot = scenarios.personalized_bodies(shape, count=HOT_SET)
        plan.append(Scenario("personalized_hot", hot))
    plan.append(Scenario("cart_hot", scenarios.cart_bodies(shape, count=HOT_SET)))
    key = scenarios.entity_key(sdl)
    if key is not None and has_field(sdl, "Customer", "cartPromotions"):
        plan.append(Scenario("entities100", scenarios.entities_bodies(shape, key), connections=4))
    else:
        figures["notes"].append(
            "the federated Customer entity (with cartPromotions) is not in the schema yet: "
            "_entities not measured"
        )
    return plan


def cold_cart_scenario(
    shape: Shape, name: str, query: str = scenarios.CART, *, paced: bool = False
) -> Scenario:
    """The cart over customers met once each (warm-up on others): response-cache misses.

    ``paced``: half the customers are kept for the run paced at a share of the maximum, so that
    it meets customers once too.
    """
    warm, measured = scenarios.cold_customers(shape)
    at_maximum = measured[::2] if paced else measured
    return Scenario(
        name,
        scenarios.cart_bodies_for(at_maximum, query),
        warmup_bodies=scenarios.cart_bodies_for(warm, query),
        paced_bodies=scenarios.cart_bodies_for(measured[1::2], query) if paced else None,
    )


def _round_trips(dsn: str, shape: Shape, plan: list[Scenario], figures: Figures) -> None:
    by_name = {s.name: s.bodies[0] for s in plan}
    probes = probes_for(
        shape, by_name.get("personalized"), by_name["cart"], by_name.get("entities100")
    )
    counts = asyncio.run(count_round_trips(dsn, probes))
    figures["sql_round_trips_personalized"] = counts.get("personalized")
    figures["sql_round_trips_cart_full"] = counts.get("cart_full")
    figures["sql_round_trips_entities_100"] = counts.get("entities_100")


def _evaluator(options: BenchOptions, figures: Figures) -> None:
    results = run_benchmark((100, 1_000, 10_000), requests=options.evaluator_requests)
    for result, label in zip(results, ("100", "1k", "10k"), strict=True):
        figures[f"evaluator_{label}_p50_ms"] = round(result.median_ms, 4)
        figures[f"evaluator_{label}_p99_ms"] = round(result.p99_ms, 4)


async def bench_key(dsn: str) -> str:
    """A new API key (read, write, router) for every benchmark brand; its token."""
    conn = await asyncpg.connect(dsn)
    try:
        scopes = [Scope.READ, Scope.WRITE, Scope.ROUTER]
        return await create_key(conn, "gateway bench", scopes, [b for b, _ in BRANDS])
    finally:
        await conn.close()


def hello_body() -> bytes:
    """The ``{ __typename }`` POST body (readiness probe)."""
    return scenarios.body(scenarios.HELLO).encode()


def in_flight_bound(connections: int) -> int:
    """The overload phase's bound on requests in flight: production's, or the bench's connections
    when it opens more (10x this bound is the overload)."""
    return max(PRODUCTION_MAX_IN_FLIGHT, connections)


def gateway_env(dsn: str, workdir: Path, *, connections: int = 50) -> dict[str, str]:
    """The gateway's environment: production mode on ``dsn``, no demo data, quiet logs.

    No bound on requests in flight: the throughput scenarios measure answers, and wrk reconnects
    a connection whose answer takes over 2 s, so a bound there turns a slow warm-up into a cascade
    of 503s that wrk counts as fast answers. The overload phase runs its own bounded gateway.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        DATABASE_URL=dsn,
        GATEWAY_ENV="production",
        GATEWAY_LOAD_DEMO="false",
        GATEWAY_SIGNING_KEY=secrets.token_urlsafe(32),
        GATEWAY_DATA_DIR=str(workdir / "gateway"),
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_MAX_IN_FLIGHT="0",
    )
    return env


def start_gateway(
    workdir: Path, env: Mapping[str, str], *, workers: int, core: str | None
) -> Server:
    """``gateway serve`` on a free port (pinned to ``core`` unless None), its log in ``workdir``."""
    port = free_port()
    command = [sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    log = workdir / f"gateway-{workers}.log"
    return Server.start(
        f"gateway ({workers} worker)", command, port=port, env=env, log=log, core=core
    )


def _paired(
    options: BenchOptions,
    dsn: str,
    shape: Shape,
    workdir: Path,
    env: Mapping[str, str],
    headers: Mapping[str, str],
    log: Log,
    figures: Figures,
) -> None:
    """Both paired phases (``bench.paired_phases``): the cart against the floor and the Node
    peers, then ``{ __typename }`` and the hot sets against the bare endpoint."""
    setup = PairedSetup(
        dsn,
        shape,
        workdir,
        headers,
        options,
        new_gateway=lambda: start_gateway(workdir, env, workers=1, core="0"),
        new_postgraphile=lambda: start_postgraphile(dsn, workdir, log),
        log=log,
        has_personalized=has_field(schema_sdl(), "Query", "personalizedOffers"),
    )
    for measured in (cart_phase(setup), ceiling_phase(setup)):
        figures["notes"].extend(measured.pop("notes", []))
        figures.update(measured)


def _replica_share(
    options: BenchOptions, workdir: Path, env: Mapping[str, str], log: Log, figures: Figures
) -> None:
    from bench.replica_share import measure_replica_share

    def headers_for(dsn: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {asyncio.run(bench_key(dsn))}"}

    replica = measure_replica_share(
        options.scale,
        options.duration_s,
        options.connections,
        workdir,
        env,
        headers_for,
        lambda routed_env: start_gateway(workdir, routed_env, workers=1, core="0"),
        log,
    )
    figures["notes"].extend(replica.pop("notes", []))
    figures.update(replica)


def _overload(
    server: Server,
    plan: list[Scenario],
    headers: Mapping[str, str],
    workdir: Path,
    options: BenchOptions,
    figures: Figures,
    log: Log,
    phase: Callable[..., None],
) -> None:
    """The cart at 10x the gateway's bound in connections, on a gateway whose response cache is
    off (every answer is computed): first its capacity at the bench's connections, then the
    refused clients waiting Retry-After (as HAProxy or a client would), then re-sending at once
    (a retry storm). The storm's goodput is read against the capacity of this same run."""
    scenario = next((s for s in plan if s.name == "cart"), plan[0])
    bound = in_flight_bound(options.connections)
    figures["overload_connections"] = bound * OVERLOAD_FACTOR
    runs = (
        ("overload_capacity", RETRY_AFTER_S * 1000, options.connections),
        ("overload", RETRY_AFTER_S * 1000, bound * OVERLOAD_FACTOR),
        ("overload_flood", 0, bound * OVERLOAD_FACTOR),
    )
    splits = {}
    for name, backoff_ms, connections in runs:
        phase(f"{name}: {connections} connections on {server.name}", load_run=True)
        splits[name] = split = measure_overload(
            server.url(),
            scenario.bodies,
            headers,
            bound=bound,
            workdir=workdir,
            duration_s=options.duration_s,
            backoff_ms=backoff_ms,
            connections=connections,
        )
        if name != "overload_capacity":
            figures.update(overload_figures(name, split))
        log(
            f"{name}: admitted {split.admitted_rps:,.0f} rps, p99 "
            f"{show(split.admitted_p99_ms)} ms; {split.shed_share:.0%} refused, p99 "
            f"{show(split.shed_p99_ms)} ms; statuses {show(split.statuses)}"
        )
    figures.update(goodput_figures(splits["overload_capacity"], splits["overload_flood"]))


def _naive(workdir: Path, dsn: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.naive", "--port", str(port)]
    env = {**os.environ, "DATABASE_URL": dsn}
    return Server.start("naive baseline", command, port=port, env=env, log=workdir / "naive.log")


def start_postgraphile(dsn: str, workdir: Path, log: Log) -> Server:
    """PostGraphile v4 (installed with ``npm ci`` on first use) on ``dsn``, pinned to core 0."""
    project = load_settings().data_dir / "bench" / "postgraphile"
    if not npm_is_current(POSTGRAPHILE, project):
        log(f"npm ci (PostGraphile v4) in {project} ...")
        npm_install(POSTGRAPHILE, project, timeout_s=300)
    binary = project / "node_modules" / ".bin" / "postgraphile"
    port = free_port()
    command = ["node", str(binary), "-c", dsn, "-s", "public", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--disable-graphiql", "--disable-query-log"]
    env = {**os.environ, "NODE_ENV": "production"}
    return Server.start(
        "postgraphile", command, port=port, env=env, log=workdir / "postgraphile.log"
    )


def _postgraphile(
    dsn: str, shape: Shape, workdir: Path, measure: _Measurer, log: Log, figures: Figures
) -> None:
    if shutil.which("node") is None:
        figures["notes"].append("node is not installed: PostGraphile not measured")
        return
    with start_postgraphile(dsn, workdir, log) as server:
        server.wait_ready(hello_body(), {}, timeout_s=90)
        measure(
            server,
            cold_cart_scenario(shape, "postgraphile_cart", scenarios.POSTGRAPHILE_CART),
            {},
        )


YOGA_SAMPLE = 20


def _yoga(
    dsn: str, shape: Shape, workdir: Path, measure: _Measurer, log: Log, figures: Figures
) -> None:
    if shutil.which("node") is None:
        figures["notes"].append("node is not installed: the Yoga peer not measured")
        return
    project = install_yoga(load_settings().data_dir / "bench" / "yoga", log)
    with start_yoga(project, dsn, workdir) as server:
        server.wait_ready(hello_body(), {}, timeout_s=60)
        # Same answers first: a faster peer that answered something else would prove nothing.
        sample = [customer_id(n) for n in scenarios.sample_customers(shape, YOGA_SAMPLE)]
        mismatches = compare_with_gateway(dsn, server.url(), sample)
        figures["yoga_answers_compared"] = len(sample)
        figures["yoga_answers_equal"] = not mismatches
        for line in mismatches[:3]:
            figures["notes"].append(f"the Yoga peer answers differently: {line}")
        log(f"yoga: {len(sample) - len(mismatches)} of {len(sample)} carts equal to the gateway's")
        measure(server, cold_cart_scenario(shape, "yoga_cart"), {})


class _Measurer:
    """Check a scenario's answers, warm up, then one measured wrk run into the figures."""

    def __init__(
        self,
        options: BenchOptions,
        workdir: Path,
        log: Log,
        figures: Figures,
        phase: Callable[..., None] | None = None,
    ) -> None:
        self.options = options
        self.workdir = workdir
        self.log = log
        self.figures = figures
        self.phase = phase

    def __call__(self, server: Server, scenario: Scenario, headers: Mapping[str, str]) -> None:
        if self.phase is not None:
            self.phase(f"{scenario.name} on {server.name}", load_run=True)
        try:
            check_answers(server, scenario, headers)
        except (ServerError, OSError, ValueError) as exc:
            self.figures["notes"].append(f"{scenario.name}: not measured: {exc}")
            self.log(f"{scenario.name}: not measured: {exc}")
            return
        script = write_script(self.workdir / f"{scenario.name}.lua", scenario.bodies, headers)
        url = server.url()
        self.log(
            f"{scenario.name}: warm-up {self.options.warmup_s:.0f} s, "
            f"then {self.options.duration_s:.0f} s ..."
        )
        connections = scenario.connections or self.options.connections
        if scenario.connections:
            self.figures[f"{scenario.name}_connections"] = connections
        if self.options.warmup_s > 0:
            warmup = script
            if scenario.warmup_bodies:
                warmup = self.workdir / f"{scenario.name}-warmup.lua"
                write_script(warmup, scenario.warmup_bodies, headers)
            run_wrk(url, warmup, duration_s=self.options.warmup_s, connections=connections)
        started = time.monotonic()
        cache_before = cache_counts(server, headers)
        result = run_wrk(url, script, duration_s=self.options.duration_s, connections=connections)
        hit_pct = cache_hit_pct(cache_before, cache_counts(server, headers))
        self.figures[f"{scenario.name}_cache_hit_pct"] = hit_pct
        if scenario.warmup_bodies and hit_pct is not None and hit_pct > COLD_HITS_PCT:
            self.figures["notes"].append(
                f"{scenario.name}: {hit_pct:.0f} % cache hits where customers should be met "
                f"once: it sent more requests than the {len(scenario.bodies):,} bodies (a larger "
                "--scale, or a shorter --duration, measures misses only)"
            )
        if result.requests == 0:
            # Each response takes longer than the run when 50 share one core: measure what
            # one core does with 2 at a time instead, and say so.
            result = run_wrk(url, script, duration_s=self.options.duration_s, connections=2)
            self.figures["notes"].append(
                f"{scenario.name}: no response completed within {self.options.duration_s:.0f} s "
                f"at {connections} connections; measured with 2 connections"
            )
        self._record(scenario.name, result)
        if scenario.paced_bodies and result.requests:
            # Each paced run meets customers of its own: half the paced bodies each.
            half = len(scenario.paced_bodies) // 2
            paced, headroom = scenario.paced_bodies[:half], scenario.paced_bodies[half:]
            maximum = result.rps
            self._paced(server, f"{scenario.name}_paced", paced, headers,
                        maximum * self.options.paced_fraction)  # fmt: skip
            self._paced(server, f"{scenario.name}_paced60", headroom, headers,
                        maximum * HEADROOM_FRACTION)  # fmt: skip
        errors = result.non_2xx + result.socket_errors
        if result.requests == 0:
            self.figures["notes"].append(f"{scenario.name}: no response completed at all")
        elif errors > result.requests * 0.01:
            self.figures["notes"].append(
                f"{scenario.name}: {errors} of {result.requests} responses failed: figure suspect"
            )
        self.log(
            f"{scenario.name}: {result.rps:,.0f} rps, p50 {result.p50_ms:.1f} ms, p99 "
            f"{result.p99_ms:.1f} ms, {result.non_2xx + result.socket_errors} errors "
            f"({time.monotonic() - started:.0f} s)"
        )

    def _paced(
        self,
        server: Server,
        name: str,
        bodies: list[str],
        headers: Mapping[str, str],
        target_rps: float,
    ) -> None:
        """Latency at ``target_rps``: wrk paced as the soak paces it, over ``bodies`` (customers
        no other run asks for), recorded as ``name``."""
        if self.phase is not None:
            self.phase(f"{name} on {server.name} at {target_rps:,.0f} rps", load_run=True)
        connections = self.options.connections
        script = write_script(
            self.workdir / f"{name}.lua", bodies, headers, extra=paced_lua(target_rps, connections)
        )
        cache_before = cache_counts(server, headers)
        duration = self.options.duration_s
        process = start_wrk(server.url(), script, duration_s=duration, connections=connections)
        output = finish_wrk(process, duration_s=duration)
        result = parse_output(output)
        non_2xx, graphql_errors, first_error = parse_counts(output)
        self.figures[f"{name}_cache_hit_pct"] = cache_hit_pct(
            cache_before, cache_counts(server, headers)
        )
        self.figures[f"{name}_target_rps"] = round(target_rps, 1)
        self._record(name, result)
        self.figures[f"{name}_errors"] = non_2xx + graphql_errors + result.socket_errors
        if first_error:
            self.figures["notes"].append(f"{name}: first error {first_error}")
        if result.rps < 0.95 * target_rps:
            self.figures["notes"].append(
                f"{name}: achieved {result.rps:,.0f} of {target_rps:,.0f} rps: the latency is "
                "that of an overloaded server"
            )
        self.log(
            f"{name}: {result.rps:,.0f} of {target_rps:,.0f} rps, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms"
        )

    def _record(self, name: str, result: WrkResult) -> None:
        if result.requests == 0:  # nothing measured: null figures, not zeros
            for suffix in ("rps", "p50_ms", "p99_ms", "errors"):
                self.figures[f"{name}_{suffix}"] = None
            return
        self.figures[f"{name}_rps"] = round(result.rps, 1)
        self.figures[f"{name}_p50_ms"] = round(result.p50_ms, 2)
        self.figures[f"{name}_p99_ms"] = round(result.p99_ms, 2)
        self.figures[f"{name}_errors"] = result.non_2xx + result.socket_errors


def check_answers(server: Server, scenario: Scenario, headers: Mapping[str, str]) -> None:
    """A few bodies must answer without GraphQL errors (ValueError naming the first error)."""
    for text in scenario.bodies[:: max(1, len(scenario.bodies) // 5)][:5]:
        answer = orjson.loads(post(server.url(), text.encode(), headers))
        if answer.get("errors") or not answer.get("data"):
            raise ValueError(f"answered {orjson.dumps(answer)[:300].decode()}")
