"""The bench's two paired phases (``bench.paired``): what the cart and ceiling targets read.

- **The cart against its peers**: a new gateway (its response cache empty), the no-GraphQL floor
  (``bench.floor``), the Yoga peer and PostGraphile, over customers met once. The floor's answers
  are compared with the gateway's first (a sample of ``ANSWER_SAMPLE`` customers).
- **The ceiling**: another new gateway asked for ``{ __typename }`` and for its two hot sets
  (``HOT_SET`` customers asking again, answered by the response cache once the warm-up has met
  them), against the bare Starlette JSON endpoint (``bench.bare``).

Each phase starts its servers, runs the rounds and stops every server by PID when it ends.

Example::

    setup = PairedSetup(dsn, shape, workdir, headers, options, new_gateway, new_postgraphile, log)
    figures = cart_phase(setup)
    figures["paired_cart_cpu_over_floor"], figures["paired_cart_over_yoga"]
    # -> (2.31, 0.81)
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import scenarios
from bench.cache_counts import cache_counts, cache_hit_pct
from bench.paired import Ratio, measure_paired
from bench.servers import Server
from bench.shape import Shape, customer_id
from bench.starlette_peers import start_bare, start_floor
from bench.yoga_peer import compare_with_gateway, install_yoga, start_yoga
from gateway.settings import load_settings

if TYPE_CHECKING:
    from bench.run import BenchOptions

Figures = dict[str, Any]
ANSWER_SAMPLE = 20
HOT_SET = 200
# A phase meeting customers once whose gateway hit its cache more than this cycled over them.
COLD_HITS_PCT = 5.0


@dataclass(frozen=True)
class PairedSetup:
    """What both phases need: the database, the gateway's API key, how to start the servers."""

    dsn: str
    shape: Shape
    workdir: Path
    headers: Mapping[str, str]  # the gateway's (its API key); the peers take none
    options: BenchOptions
    new_gateway: Callable[[], Server]  # started, not yet ready
    new_postgraphile: Callable[[], Server]
    log: Callable[[str], None]
    has_personalized: bool = True

    def measure(
        self,
        gateway: Server,
        servers: Mapping[str, Server],
        customers: Sequence[int] | None,
        bodies_for: Callable[[str, Sequence[int]], list[str]],
        ratios: Sequence[Ratio],
    ) -> Figures:
        """``measure_paired`` with the bench's options; only ``gateway`` takes the API key."""
        headers = {n: self.headers if s is gateway else {} for n, s in servers.items()}
        return measure_paired(
            servers,
            headers,
            customers,
            bodies_for,
            ratios,
            workdir=self.workdir,
            warmup_s=self.options.warmup_s,
            duration_s=max(2.0, self.options.duration_s / 2),
            connections=self.options.connections,
            log=self.log,
        )


def cart_ratios(servers: Mapping[str, Server]) -> list[Ratio]:
    """The cart's ratios to each peer running: requests/s (gateway over peer) and CPU per answer
    (the floor: gateway over floor; the others: peer over gateway, above 1 when the gateway
    spends less)."""
    ratios = []
    for name in servers:
        if name == "cart":
            continue
        peer = name.removesuffix("_cart")
        ratios.append(Ratio(f"cart_over_{peer}", "cart", name))
        if name == "floor_cart":
            ratios.append(Ratio("cart_cpu_over_floor", "cart", name, cpu=True))
        else:
            ratios.append(Ratio(f"{peer}_cpu_over_cart", name, "cart", cpu=True))
    return ratios


def cart_phase(setup: PairedSetup) -> Figures:
    """The cart on a new gateway, the floor, the Yoga peer and PostGraphile, in rounds."""
    options, log = setup.options, setup.log
    figures: Figures = {"notes": []}
    with ExitStack() as running:
        gateway = running.enter_context(setup.new_gateway())
        servers = {"cart": gateway}
        servers["floor_cart"] = running.enter_context(start_floor(setup.dsn, setup.workdir))
        node = shutil.which("node") is not None
        if node and not options.skip_yoga:
            project = install_yoga(load_settings().data_dir / "bench" / "yoga", log)
            servers["yoga_cart"] = running.enter_context(
                start_yoga(project, setup.dsn, setup.workdir)
            )
        if node and not options.skip_postgraphile:
            servers["postgraphile_cart"] = running.enter_context(setup.new_postgraphile())
        for name, server in servers.items():
            # The floor answers the cart only; the others answer { __typename } too.
            body = scenarios.body(scenarios.HELLO)
            if name == "floor_cart":
                body = scenarios.body(scenarios.CART, {"customerId": customer_id(0)})
            server.wait_ready(body.encode(), setup.headers if name == "cart" else {}, timeout_s=90)
        # Same answers first: a cheaper floor that answered something else would prove nothing.
        sample = [customer_id(n) for n in scenarios.sample_customers(setup.shape, ANSWER_SAMPLE)]
        mismatches = compare_with_gateway(setup.dsn, servers["floor_cart"].url(), sample)
        figures["floor_answers_compared"] = len(sample)
        figures["floor_answers_equal"] = not mismatches
        for line in mismatches[:3]:
            figures["notes"].append(f"the no-GraphQL floor answers differently: {line}")
        log(f"floor: {len(sample) - len(mismatches)} of {len(sample)} carts equal the gateway's")

        def bodies_for(name: str, numbers: Sequence[int]) -> list[str]:
            query = scenarios.POSTGRAPHILE_CART if name == "postgraphile_cart" else scenarios.CART
            return scenarios.cart_bodies_for(numbers, query)

        # A new gateway: its response cache has met no customer, so all of them can be asked.
        customers = list(range(setup.shape.customers))
        random.Random(0).shuffle(customers)
        before = cache_counts(gateway, setup.headers)
        paired = setup.measure(gateway, servers, customers, bodies_for, cart_ratios(servers))
        hit_pct = cache_hit_pct(before, cache_counts(gateway, setup.headers))
    figures["paired_cart_cache_hit_pct"] = hit_pct
    if hit_pct is not None and hit_pct > COLD_HITS_PCT:
        # wrk went round its bodies: the gateway answered some from its cache.
        paired["notes"].append(
            f"paired rounds: {hit_pct:.0f} % cache hits where customers should be met once; "
            "the cart's ratios not used (a larger --scale has enough customers)"
        )
        void = {f"paired_{ratio.key}" for ratio in cart_ratios(servers)}
        paired = {k: None if k.removesuffix("_rounds") in void else v for k, v in paired.items()}
    figures["notes"].extend(paired.pop("notes"))
    figures.update(paired)
    return figures


def ceiling_phase(setup: PairedSetup) -> Figures:
    """``{ __typename }`` and the hot sets on a new gateway against the bare endpoint, in rounds."""
    hello = scenarios.body(scenarios.HELLO)
    bodies: dict[str, list[str]] = {"hello": [hello], "bare": [hello]}
    bodies["cart_hot"] = scenarios.cart_bodies(setup.shape, count=HOT_SET)
    if setup.has_personalized:
        bodies["personalized_hot"] = scenarios.personalized_bodies(setup.shape, count=HOT_SET)
    ratios = [Ratio(f"{name}_over_bare", name, "bare") for name in bodies if name != "bare"]
    ratios.append(Ratio("hello_cpu_over_bare", "hello", "bare", cpu=True))
    with ExitStack() as running:
        gateway = running.enter_context(setup.new_gateway())
        bare = running.enter_context(start_bare(setup.workdir))
        gateway.wait_ready(hello.encode(), setup.headers, timeout_s=90)
        bare.wait_ready(hello.encode(), {}, timeout_s=90)
        servers = {name: bare if name == "bare" else gateway for name in bodies}
        return setup.measure(gateway, servers, None, lambda name, _numbers: bodies[name], ratios)
