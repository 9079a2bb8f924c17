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
    "yoga_answers_equal", "sql_round_trips_personalized", "sql_round_trips_cart_full",
    "sql_round_trips_entities_100", "evaluator_10k_p50_ms", "rss_mb", "workers2_over_workers1",
    "defer_first_part_over_listing", "replica_read_share", "paired_cart_over_yoga",
    "paired_cart_over_postgraphile",
)  # fmt: skip

# The latency targets, at the paced share of the maximum (``paced_fraction``, 80 %).
MAX_P99_MS = 25.0
MAX_P99_OVER_P50 = 3.0


def _ratio(top: object, bottom: object) -> float | None:
    if not isinstance(top, int | float) or not isinstance(bottom, int | float) or not bottom:
        return None
    return round(top / bottom, 3)


def _known(figures: Figures, *keys: str) -> bool:
    return all(isinstance(figures.get(k), int | float) for k in keys)


def _at_least(top: str, share: float, bottom: str) -> Callable[[Figures], bool | None]:
    """``figures[top] >= share x figures[bottom]`` (None when either is missing)."""
    return lambda f: f[top] >= share * f[bottom] if _known(f, top, bottom) else None


def _at_most(key: str, limit: float) -> Callable[[Figures], bool | None]:
    """``figures[key] <= limit`` (None when missing)."""
    return lambda f: f[key] <= limit if _known(f, key) else None


def _ratio_at_least(ratio: str, bound: float) -> Callable[[Figures], bool | None]:
    """``paired_<ratio>`` (the geometric mean of alternating rounds) >= ``bound``; the single runs'
    ``<ratio>`` when the rounds were not measured (None when neither was)."""

    def check(f: Figures) -> bool | None:
        for key in (f"paired_{ratio}", ratio):
            if _known(f, key):
                return bool(f[key] >= bound)
        return None

    return check


def _paced_latency_ok(name: str) -> Callable[[Figures], bool | None]:
    """p99 at the paced rate within ``MAX_P99_MS`` and within 3 x its p50."""

    def check(f: Figures) -> bool | None:
        p50, p99 = f.get(f"{name}_paced_p50_ms"), f.get(f"{name}_paced_p99_ms")
        if not isinstance(p50, int | float) or not isinstance(p99, int | float):
            return None
        return p99 <= MAX_P99_MS and p99 <= MAX_P99_OVER_P50 * p50

    return check


def _answers_equal(figures: Figures) -> bool | None:
    equal = figures.get("yoga_answers_equal")
    return equal if isinstance(equal, bool) else None


def _latency_text(name: str) -> str:
    return f"{name} p99 at 80 % of its max <= {MAX_P99_MS:.0f} ms and <= 3 x p50"


# name → (description, check over the figures; None when a figure is missing)
TARGETS: dict[str, tuple[str, Callable[[Figures], bool | None]]] = {
    "cart_vs_postgraphile": (
        "cart >= 1.5 x PostGraphile (paired rounds, geometric mean)",
        _ratio_at_least("cart_over_postgraphile", 1.5),
    ),
    "cart_vs_yoga": (
        "cart >= 1.0 x the Yoga peer (paired rounds, geometric mean)",
        _ratio_at_least("cart_over_yoga", 1.0),
    ),
    "yoga_answers_equal": (
        "the Yoga peer's carts equal ours (sample)",
        lambda f: (
            f["yoga_answers_equal"] if isinstance(f.get("yoga_answers_equal"), bool) else None
        ),
    ),
    "personalized_vs_hello": (
        "personalized_rps >= 0.5 x hello_rps",
        _at_least("personalized_rps", 0.5, "hello_rps"),
    ),
    "personalized_hot_vs_hello": (
        "personalized_hot_rps >= 2 x hello_rps",
        _at_least("personalized_hot_rps", 2.0, "hello_rps"),
    ),
    "cart_hot_vs_hello": (
        "cart_hot_rps >= 2 x hello_rps",
        _at_least("cart_hot_rps", 2.0, "hello_rps"),
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


def _show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
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


def _rounds(values: object) -> str:
    if not isinstance(values, list):
        return "-"
    return " / ".join(_show(v) for v in values)


def _paired_line(figures: Mapping[str, Any]) -> str:
    """The alternating rounds: each server's rps per round, the ratios' geometric means."""
    return (
        f"paired rounds, rps: gateway {_rounds(figures.get('paired_cart_rps'))}; Yoga "
        f"{_rounds(figures.get('paired_yoga_cart_rps'))}; PostGraphile "
        f"{_rounds(figures.get('paired_postgraphile_cart_rps'))}; geometric mean cart / Yoga "
        f"{_show(figures.get('paired_cart_over_yoga'))}, cart / PostGraphile "
        f"{_show(figures.get('paired_cart_over_postgraphile'))}"
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
            f"{label:<46} {_show(figures.get(f'{key}_rps')):>8} {_show(ratio):>8}"
            f" {_show(figures.get(f'{key}_p50_ms')):>8} {_show(figures.get(f'{key}_p99_ms')):>8}"
            f" {_show(figures.get(f'{key}_errors')):>7}"
            f" {_show(figures.get(f'{key}_cache_hit_pct')):>13}"
        )
    lines.append("")
    lines.append(
        "SQL round trips per request: personalized "
        f"{_show(figures.get('sql_round_trips_personalized'))}, cart full "
        f"{_show(figures.get('sql_round_trips_cart_full'))}, entities_100 "
        f"{_show(figures.get('sql_round_trips_entities_100'))}"
    )
    lines.append(
        "evaluator p50 ms: 100 plays "
        f"{_show(figures.get('evaluator_100_p50_ms'))}, 1,000 "
        f"{_show(figures.get('evaluator_1k_p50_ms'))}, 10,000 "
        f"{_show(figures.get('evaluator_10k_p50_ms'))} (p99 "
        f"{_show(figures.get('evaluator_10k_p99_ms'))})"
    )
    lines.append(
        f"worker RSS after the runs: {_show(figures.get('rss_mb'))} MB; workers 2/1: "
        f"{_show(figures.get('workers2_over_workers1'))}; cart / PostGraphile: "
        f"{_show(figures.get('cart_over_postgraphile'))}; cart / Yoga: "
        f"{_show(figures.get('cart_over_yoga'))}; cart / naive: "
        f"{_show(figures.get('cart_over_naive'))}; replica read share: "
        f"{_show(figures.get('replica_read_share'))}"
    )
    lines.append(_paired_line(figures))
    lines.append(
        "deferred cart, first part p50 ms "
        f"{_show(figures.get('defer_first_part_p50_ms'))} / listing alone p50 ms "
        f"{_show(figures.get('defer_listing_p50_ms'))} = "
        f"{_show(figures.get('defer_first_part_over_listing'))} "
        f"({_show(figures.get('defer_requests'))} sequential customers)"
    )
    lines.append(
        f"overload, {_show(figures.get('overload_connections'))} connections: admitted p99 "
        f"{_show(figures.get('overload_admitted_p99_ms'))} ms at "
        f"{_show(figures.get('overload_admitted_rps'))} rps, "
        f"{_show(figures.get('overload_shed_pct'))} % refused (p99 "
        f"{_show(figures.get('overload_shed_p99_ms'))} ms) when refused clients wait Retry-After; "
        f"admitted p99 {_show(figures.get('overload_flood_admitted_p99_ms'))} ms when they "
        f"retry at once, {_show(figures.get('overload_flood_admitted_rps'))} answers/s = "
        f"{_show(figures.get('overload_flood_goodput'))} x the capacity "
        f"({_show(figures.get('overload_capacity_rps'))} rps with the bench's connections, "
        "same gateway)"
    )
    lines.append("")
    for name, target in figures.get("targets", {}).items():
        met = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        lines.append(f"  target {name:<26} {target['target']:<58} {met}")
    for note in figures.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def json_line(figures: Mapping[str, Any]) -> str:
    """The figures as one JSON line (NaN shown as null)."""
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in figures.items()}
    return orjson.dumps(clean).decode()
