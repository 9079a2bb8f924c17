"""The benchmark's output: a table for people, then one JSON line (always the last line).

Targets are the service's performance goals (throughput, latency, round trips, memory, ratios to
the peers); each is reported with whether this run met it (None: not measured).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import orjson

Figures = dict[str, Any]

REQUIRED_KEYS = (
    "hello_rps", "personalized_rps", "personalized_paced_p50_ms", "personalized_paced_p99_ms",
    "cart_rps", "cart_paced_p50_ms", "cart_paced_p99_ms", "personalized_hot_rps", "cart_hot_rps",
    "entities100_rps", "naive_cart_rps", "postgraphile_cart_rps", "yoga_cart_rps",
    "yoga_answers_equal", "floor_answers_equal", "sql_round_trips_personalized",
    "sql_round_trips_cart_full", "sql_round_trips_entities_100", "evaluator_10k_p50_ms", "rss_mb",
    "workers2_over_workers1", "defer_first_part_over_listing", "replica_read_share",
    "paired_cart_over_yoga", "paired_yoga_cpu_over_cart", "paired_cart_over_postgraphile",
    "paired_cart_cpu_over_floor", "paired_hello_over_bare", "paired_cart_hot_over_bare",
    "paired_personalized_hot_over_bare", "live_p99_ms", "live_stray_rounds",
    "live_idle_kb_per_subscription", "live_catalog_fanout_s",
)  # fmt: skip

# The latency targets, at the paced share of the maximum (``paced_fraction``, 80 %).
MAX_P99_MS = 25.0
MAX_P99_OVER_P50 = 3.0
# A "met once" run whose gateway answered more than this share from its cache measured a mix of
# hits and misses (wrk went round its bodies at a small --scale): no target is read from it.
MET_ONCE_MAX_HITS_PCT = 5.0
MET_ONCE = (
    "personalized", "cart", "personalized_paced", "cart_paced", "personalized_paced60",
    "cart_paced60", "workers2",
)  # fmt: skip

Check = Callable[[Figures], bool | None]

# The live-updates targets are read from a phase with this many subscriptions or more.
LIVE_SUBSCRIBERS = 1_000


def _ratio(top: object, bottom: object) -> float | None:
    if not isinstance(top, int | float) or not isinstance(bottom, int | float) or not bottom:
        return None
    return round(top / bottom, 3)


def _known(figures: Figures, *keys: str) -> bool:
    return all(isinstance(figures.get(k), int | float) and not math.isnan(figures[k]) for k in keys)


def mostly_cached(figures: Mapping[str, Any], name: str) -> bool:
    """The met-once run ``name`` answered over ``MET_ONCE_MAX_HITS_PCT`` from the cache.

    >>> mostly_cached({"cart_cache_hit_pct": 62.0}, "cart"), mostly_cached({}, "cart")
    (True, False)
    """
    hits = figures.get(f"{name}_cache_hit_pct")
    return isinstance(hits, int | float) and hits > MET_ONCE_MAX_HITS_PCT


def _met_once(*names: str) -> Callable[[Check], Check]:
    """A check that reads met-once runs: not measured (None) when one of them was mostly
    cache hits."""

    def wrap(check: Check) -> Check:
        return lambda f: None if any(mostly_cached(f, n) for n in names) else check(f)

    return wrap


def _at_least(top: str, share: float, bottom: str) -> Check:
    """``figures[top] >= share x figures[bottom]`` (None when either is missing)."""
    return lambda f: f[top] >= share * f[bottom] if _known(f, top, bottom) else None


def _at_most(key: str, limit: float) -> Check:
    """``figures[key] <= limit`` (None when missing)."""
    return lambda f: f[key] <= limit if _known(f, key) else None


def _paired_at_least(bound: float, *ratios: str) -> Check:
    """Every ``paired_<ratio>`` (the geometric mean of alternating rounds) >= ``bound``; None when
    one was not measured: a target read from the paired rounds is never read from single runs."""
    keys = [f"paired_{ratio}" for ratio in ratios]
    return lambda f: all(f[k] >= bound for k in keys) if _known(f, *keys) else None


def _paced_latency_ok(name: str) -> Check:
    """p99 at the paced rate within ``MAX_P99_MS`` and within 3 x its p50."""

    def check(f: Figures) -> bool | None:
        p50, p99 = f.get(f"{name}_paced_p50_ms"), f.get(f"{name}_paced_p99_ms")
        if not isinstance(p50, int | float) or not isinstance(p99, int | float):
            return None
        return p99 <= MAX_P99_MS and p99 <= MAX_P99_OVER_P50 * p50

    return _met_once(f"{name}_paced")(check)


def _live_at_most(key: str, limit: float) -> Check:
    """``figures[key] <= limit``, read only from a live phase of ``LIVE_SUBSCRIBERS`` or more
    (a smaller one, such as the test's, is not measured)."""

    def check(f: Figures) -> bool | None:
        subscribers = f.get("live_subscribers")
        if not isinstance(subscribers, int) or subscribers < LIVE_SUBSCRIBERS:
            return None
        return _at_most(key, limit)(f)

    return check


def _answers_equal(key: str) -> Check:
    return lambda f: f[key] if isinstance(f.get(key), bool) else None


def _latency_text(name: str) -> str:
    return f"{name} p99 at 80 % of its max <= {MAX_P99_MS:.0f} ms and <= 3 x p50"


# name -> (description, check over the figures: None when a figure is missing)
TARGETS: dict[str, tuple[str, Check]] = {
    "cart_vs_floor": (
        "cart CPU per answer <= 1.5 x the no-GraphQL floor's (paired rounds)",
        lambda f: (
            f["paired_cart_cpu_over_floor"] <= 1.5
            if _known(f, "paired_cart_cpu_over_floor")
            else None
        ),
    ),
    "floor_answers_equal": (
        "the no-GraphQL floor's carts equal ours (sample)",
        _answers_equal("floor_answers_equal"),
    ),
    "cart_vs_yoga": (
        "cart >= 1.25 x the Yoga peer in rps and in CPU per answer (paired rounds)",
        _paired_at_least(1.25, "cart_over_yoga", "yoga_cpu_over_cart"),
    ),
    "yoga_answers_equal": (
        "the Yoga peer's carts equal ours (sample)",
        _answers_equal("yoga_answers_equal"),
    ),
    "cart_vs_postgraphile": (
        "cart >= 2 x PostGraphile in rps (paired rounds)",
        _paired_at_least(2.0, "cart_over_postgraphile"),
    ),
    "hello_vs_bare": (
        "{ __typename } >= 0.35 x bare Starlette in rps (paired rounds)",
        _paired_at_least(0.35, "hello_over_bare"),
    ),
    "cart_hot_vs_bare": (
        "cart, response-cache hits >= 0.5 x bare Starlette in rps (paired rounds)",
        _paired_at_least(0.5, "cart_hot_over_bare"),
    ),
    "personalized_hot_vs_bare": (
        "personalizedOffers, cache hits >= 0.5 x bare Starlette (paired rounds)",
        _paired_at_least(0.5, "personalized_hot_over_bare"),
    ),
    "personalized_vs_hello": (
        "personalizedOffers, met once >= 0.6 x { __typename } in rps",
        _met_once("personalized")(_at_least("personalized_rps", 0.6, "hello_rps")),
    ),
    "personalized_latency": (_latency_text("personalized"), _paced_latency_ok("personalized")),
    "cart_latency": (_latency_text("cart"), _paced_latency_ok("cart")),
    "round_trips_personalized": (
        "sql_round_trips_personalized <= 1",
        _at_most("sql_round_trips_personalized", 1),
    ),
    "round_trips_cart_full": (
        "sql_round_trips_cart_full <= 3",
        _at_most("sql_round_trips_cart_full", 3),
    ),
    "round_trips_entities_100": (
        "sql_round_trips_entities_100 <= 4",
        _at_most("sql_round_trips_entities_100", 4),
    ),
    "evaluator_10k": ("evaluator_10k_p50_ms <= 1", _at_most("evaluator_10k_p50_ms", 1)),
    "rss": ("rss_mb <= 150", _at_most("rss_mb", 150)),
    "defer_first_part": (
        "deferred cart first part p50 <= 1.1 x listing p50",
        _at_most("defer_first_part_over_listing", 1.1),
    ),
    "overload_goodput": (
        "retry storm (640 connections, bound 64, refused clients re-send at once): answers >= "
        "0.8 x the capacity of the same run, only 200, 503 and 429",
        lambda f: (
            f["overload_flood_goodput"] >= 0.8
            and set(f.get("overload_flood_statuses", {})) <= {"200", "503", "429"}
            if _known(f, "overload_flood_goodput")
            else None
        ),
    ),
    "overload_admitted_p99": (
        "retry storm: admitted p99 <= 250 ms",
        _at_most("overload_flood_admitted_p99_ms", 250),
    ),
    "replica_read_share": (
        "replica_read_share >= 0.9 (cold carts, replica 2 s behind, other customers written)",
        lambda f: f["replica_read_share"] >= 0.9 if _known(f, "replica_read_share") else None,
    ),
    "live_redemption_p99": (
        "1,000 subscriptions, one worker: redemption to its subscriber p99 <= 100 ms",
        _live_at_most("live_p99_ms", 100),
    ),
    "live_stray_rounds": (
        "1,000 subscriptions: a redemption wakes no other customer's subscriber",
        _live_at_most("live_stray_rounds", 0),
    ),
    "live_idle_memory": (
        "1,000 subscriptions: idle memory per subscription <= 20 KB (worker RSS)",
        _live_at_most("live_idle_kb_per_subscription", 20),
    ),
    "live_catalog_fanout": (
        "a catalog change reaches 1,000 offers subscribers within 2 s",
        _live_at_most("live_catalog_fanout_s", 2),
    ),
}

# The figure each target reads, shown beside it (the paired ones: the geometric mean).
TARGET_FIGURES: dict[str, tuple[str, ...]] = {
    "cart_vs_floor": ("paired_cart_cpu_over_floor",),
    "floor_answers_equal": ("floor_answers_equal",),
    "yoga_answers_equal": ("yoga_answers_equal",),
    "cart_vs_yoga": ("paired_cart_over_yoga", "paired_yoga_cpu_over_cart"),
    "cart_vs_postgraphile": ("paired_cart_over_postgraphile",),
    "hello_vs_bare": ("paired_hello_over_bare",),
    "cart_hot_vs_bare": ("paired_cart_hot_over_bare",),
    "personalized_hot_vs_bare": ("paired_personalized_hot_over_bare",),
    "personalized_vs_hello": ("personalized_over_hello",),
    "personalized_latency": ("personalized_paced_p99_ms", "personalized_paced_p50_ms"),
    "cart_latency": ("cart_paced_p99_ms", "cart_paced_p50_ms"),
    "round_trips_personalized": ("sql_round_trips_personalized",),
    "round_trips_cart_full": ("sql_round_trips_cart_full",),
    "round_trips_entities_100": ("sql_round_trips_entities_100",),
    "evaluator_10k": ("evaluator_10k_p50_ms",),
    "rss": ("rss_mb",),
    "defer_first_part": ("defer_first_part_over_listing",),
    "overload_goodput": ("overload_flood_goodput",),
    "overload_admitted_p99": ("overload_flood_admitted_p99_ms",),
    "replica_read_share": ("replica_read_share",),
    "live_redemption_p99": ("live_p99_ms",),
    "live_stray_rounds": ("live_stray_rounds",),
    "live_idle_memory": ("live_idle_kb_per_subscription",),
    "live_catalog_fanout": ("live_catalog_fanout_s",),
}


def add_ratios_and_targets(figures: Figures) -> Figures:
    """``figures`` plus ratios to hello_rps and the others, and ``targets`` with ``met`` flags."""
    out = dict(figures)
    hello = figures.get("hello_rps")
    for name in (
        "personalized",
        "cart",
        "personalized_hot",
        "cart_hot",
        "entities100",
        "naive_cart",
        "postgraphile_cart",
        "yoga_cart",
        "personalized_paced",
        "cart_paced",
        "personalized_paced60",
        "cart_paced60",
    ):
        out[f"{name}_over_hello"] = _ratio(figures.get(f"{name}_rps"), hello)
    out["cart_over_postgraphile"] = _ratio(
        figures.get("cart_rps"), figures.get("postgraphile_cart_rps")
    )
    out["cart_over_yoga"] = _ratio(figures.get("cart_rps"), figures.get("yoga_cart_rps"))
    out["cart_over_naive"] = _ratio(figures.get("cart_rps"), figures.get("naive_cart_rps"))
    out["workers2_over_workers1"] = _ratio(figures.get("workers2_rps"), figures.get("workers1_rps"))
    targets = {name: {"target": text, "met": check(out)} for name, (text, check) in TARGETS.items()}
    out["targets"] = targets
    out["targets_met"] = sum(1 for t in targets.values() if t["met"] is True)
    out["targets_missed"] = sorted(name for name, t in targets.items() if t["met"] is False)
    out["targets_unmeasured"] = sorted(name for name, t in targets.items() if t["met"] is None)
    for key in REQUIRED_KEYS:
        out.setdefault(key, None)
    return out


def show(value: object) -> str:
    """A figure as people read it: "-" for none, thousands separated, no Python reprs.

    >>> show(None), show(1234.5), show(0.123456), show(True), show({"200": 3, "503": 1})
    ('-', '1,234', '0.123', 'yes', '200: 3, 503: 1')
    >>> show([1.5, None]), show(float("nan"))
    ('1.5 / -', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return " / ".join(show(v) for v in value) or "-"
    return str(value)


LOAD_ROWS = (
    ("hello", "{ __typename } ceiling"),
    ("personalized", "personalizedOffers, customers met once"),
    ("cart", "cart + restrictions + criteria, met once"),
    ("personalized_hot", "personalizedOffers, 200 hot customers"),
    ("cart_hot", "cartPromotions, 200 hot customers"),
    ("entities100", "_entities x100 cartPromotions{restrictions}"),
    ("naive_cart", "naive cart (N+1, no loaders)"),
    ("postgraphile_cart", "PostGraphile v4 cart"),
    ("yoga_cart", "GraphQL Yoga peer cart (DataLoader, pg)"),
    ("personalized_paced", "personalizedOffers paced at 80 % of its max"),
    ("cart_paced", "cart paced at 80 % of its max"),
    ("personalized_paced60", "personalizedOffers paced at 60 % (headroom)"),
    ("cart_paced60", "cart paced at 60 % (headroom)"),
    ("workers2", "cart, --workers 2 (not pinned)"),
)

# The paired rounds' servers (the gateway under several names) and ratios, in report order.
PAIRED_ROWS = (
    ("cart", "gateway: cart, customers met once"),
    ("floor_cart", "no-GraphQL floor: cart (Starlette, orjson)"),
    ("yoga_cart", "GraphQL Yoga peer: cart"),
    ("postgraphile_cart", "PostGraphile v4: cart"),
    ("hello", "gateway: { __typename }"),
    ("cart_hot", "gateway: cart, 200 hot customers"),
    ("personalized_hot", "gateway: personalizedOffers, 200 hot"),
    ("bare", "bare Starlette: { __typename }"),
)
PAIRED_RATIOS = (
    ("cart_cpu_over_floor", "cart CPU per answer / the floor's"),
    ("cart_over_floor", "cart rps / the floor's"),
    ("cart_over_yoga", "cart rps / the Yoga peer's"),
    ("yoga_cpu_over_cart", "Yoga's CPU per answer / the cart's"),
    ("cart_over_postgraphile", "cart rps / PostGraphile's"),
    ("postgraphile_cpu_over_cart", "PostGraphile's CPU per answer / the cart's"),
    ("hello_over_bare", "{ __typename } rps / bare Starlette's"),
    ("hello_cpu_over_bare", "{ __typename } CPU per answer / bare's"),
    ("cart_hot_over_bare", "cart, cache hits, rps / bare Starlette's"),
    ("personalized_hot_over_bare", "personalizedOffers, cache hits / bare's"),
)


def _met_once_remark(figures: Mapping[str, Any], key: str) -> str:
    if key not in MET_ONCE or not mostly_cached(figures, key):
        return ""
    return (
        f"  <- {show(figures.get(f'{key}_cache_hit_pct'))} % cache hits: not customers met "
        "once (small --scale); no target read from it"
    )


def paired_lines(figures: Mapping[str, Any]) -> list[str]:
    """The alternating rounds: each server's rps and CPU per answer per round, then the ratios
    (geometric mean of the rounds, the rounds in brackets); "-" where not measured."""
    lines = [
        "paired rounds (servers side by side, in turn, same core): rps per round; CPU ms per "
        "answer per round",
    ]
    for key, label in PAIRED_ROWS:
        lines.append(
            f"  {label:<44} {show(figures.get(f'paired_{key}_rps')):>26}; "
            f"{show(figures.get(f'paired_{key}_cpu_ms'))}"
        )
    hits = figures.get("paired_cart_cache_hit_pct")
    lines.append(f"  gateway's cache hits over the cart rounds: {show(hits)} %")
    lines.append("paired ratios, geometric mean (rounds):")
    for key, label in PAIRED_RATIOS:
        lines.append(
            f"  {label:<44} {show(figures.get(f'paired_{key}')):>8} "
            f"({show(figures.get(f'paired_{key}_rounds'))})"
        )
    return lines


# The met-once run each single-run target reads, to say why it was not measured.
TARGET_MET_ONCE = {
    "personalized_vs_hello": "personalized",
    "personalized_latency": "personalized_paced",
    "cart_latency": "cart_paced",
}


def _target_line(name: str, target: Mapping[str, Any], figures: Mapping[str, Any]) -> str:
    met = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
    run = TARGET_MET_ONCE.get(name)
    if target["met"] is None and run is not None and mostly_cached(figures, run):
        met = "not measured (cache hits)"
    measured = " / ".join(show(figures.get(key)) for key in TARGET_FIGURES.get(name, ()))
    return f"  target {name:<26} {target['target']:<76} {measured:>12}  {met}"


def live_line(figures: Mapping[str, Any]) -> str:
    """The live-updates phase in one line ("-" where not measured)."""
    n = show(figures.get("live_subscribers"))
    return (
        f"live updates, {n} subscriptions on one worker: redemption to its update p50 "
        f"{show(figures.get('live_p50_ms'))} / p99 {show(figures.get('live_p99_ms'))} ms "
        f"(p99 {show(figures.get('live_after_response_p99_ms'))} ms after the answer), stray "
        f"rounds {show(figures.get('live_stray_rounds'))}; idle "
        f"{show(figures.get('live_idle_kb_per_subscription'))} KB per subscription; a catalog "
        f"change reached all {n} offers subscribers in "
        f"{show(figures.get('live_catalog_fanout_s'))} s"
    )


def table(figures: Mapping[str, Any]) -> str:
    """The human-readable table."""
    lines = [
        f"{'scenario':<46} {'rps':>8} {'x hello':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'cache hits %':>13}",
    ]
    for key, label in LOAD_ROWS:
        ratio = figures.get(f"{key}_over_hello")
        lines.append(
            f"{label:<46} {show(figures.get(f'{key}_rps')):>8} {show(ratio):>8}"
            f" {show(figures.get(f'{key}_p50_ms')):>8} {show(figures.get(f'{key}_p99_ms')):>8}"
            f" {show(figures.get(f'{key}_errors')):>7}"
            f" {show(figures.get(f'{key}_cache_hit_pct')):>13}" + _met_once_remark(figures, key)
        )
    lines.append("")
    lines.append(
        "SQL round trips per request: personalized "
        f"{show(figures.get('sql_round_trips_personalized'))}, cart full "
        f"{show(figures.get('sql_round_trips_cart_full'))}, entities_100 "
        f"{show(figures.get('sql_round_trips_entities_100'))}"
    )
    lines.append(
        "evaluator p50 ms: 100 plays "
        f"{show(figures.get('evaluator_100_p50_ms'))}, 1,000 "
        f"{show(figures.get('evaluator_1k_p50_ms'))}, 10,000 "
        f"{show(figures.get('evaluator_10k_p50_ms'))} (p99 "
        f"{show(figures.get('evaluator_10k_p99_ms'))})"
    )
    lines.append(
        f"worker RSS after the runs: {show(figures.get('rss_mb'))} MB; workers 2/1: "
        f"{show(figures.get('workers2_over_workers1'))}; single runs, minutes apart: cart / "
        f"PostGraphile {show(figures.get('cart_over_postgraphile'))}, cart / Yoga "
        f"{show(figures.get('cart_over_yoga'))}, cart / naive "
        f"{show(figures.get('cart_over_naive'))}; replica read share: "
        f"{show(figures.get('replica_read_share'))}"
    )
    lines.append(
        f"answers equal the gateway's: Yoga peer {show(figures.get('yoga_answers_equal'))} "
        f"({show(figures.get('yoga_answers_compared'))} carts), no-GraphQL floor "
        f"{show(figures.get('floor_answers_equal'))} "
        f"({show(figures.get('floor_answers_compared'))} carts)"
    )
    lines.extend(paired_lines(figures))
    lines.append(
        "deferred cart, first part p50 ms "
        f"{show(figures.get('defer_first_part_p50_ms'))} / listing alone p50 ms "
        f"{show(figures.get('defer_listing_p50_ms'))} = "
        f"{show(figures.get('defer_first_part_over_listing'))} "
        f"({show(figures.get('defer_requests'))} sequential customers)"
    )
    lines.append(
        f"overload, {show(figures.get('overload_connections'))} connections: admitted p99 "
        f"{show(figures.get('overload_admitted_p99_ms'))} ms at "
        f"{show(figures.get('overload_admitted_rps'))} rps, "
        f"{show(figures.get('overload_shed_pct'))} % refused (p99 "
        f"{show(figures.get('overload_shed_p99_ms'))} ms) when refused clients wait Retry-After; "
        f"admitted p99 {show(figures.get('overload_flood_admitted_p99_ms'))} ms when they "
        f"retry at once, {show(figures.get('overload_flood_admitted_rps'))} answers/s = "
        f"{show(figures.get('overload_flood_goodput'))} x the capacity "
        f"({show(figures.get('overload_capacity_rps'))} rps with the bench's connections, "
        "same gateway)"
    )
    lines.append(live_line(figures))
    lines.append("")
    for name, target in figures.get("targets", {}).items():
        lines.append(_target_line(name, target, figures))
    for note in figures.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def json_line(figures: Mapping[str, Any]) -> str:
    """The figures as one JSON line (NaN shown as null)."""
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in figures.items()}
    return orjson.dumps(clean).decode()
