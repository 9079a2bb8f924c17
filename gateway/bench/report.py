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
    "hello_rps", "personalized_rps", "personalized_p50_ms", "personalized_p99_ms", "cart_rps",
    "cart_p99_ms", "entities100_rps", "naive_cart_rps", "postgraphile_cart_rps",
    "sql_round_trips_personalized", "sql_round_trips_cart_full", "sql_round_trips_entities_100",
    "evaluator_10k_p50_ms", "rss_mb", "workers2_over_workers1", "defer_first_part_over_listing",
    "replica_read_share",
)  # fmt: skip


def _ratio(top: object, bottom: object) -> float | None:
    if not isinstance(top, int | float) or not isinstance(bottom, int | float) or not bottom:
        return None
    return round(top / bottom, 3)


def _all_known(figures: Figures, *keys: str) -> bool:
    return all(isinstance(figures.get(k), int | float) for k in keys)


def _latency_ok(figures: Figures, name: str) -> bool | None:
    p50, p99 = figures.get(f"{name}_p50_ms"), figures.get(f"{name}_p99_ms")
    if not isinstance(p50, int | float) or not isinstance(p99, int | float):
        return None
    return p99 <= 3 * p50 and p99 <= 40


# name → (description, check over the figures; None when a figure is missing)
TARGETS: dict[str, tuple[str, Callable[[Figures], bool | None]]] = {
    "personalized_vs_hello": (
        "personalized_rps >= 0.8 x hello_rps",
        lambda f: (
            f["personalized_rps"] >= 0.8 * f["hello_rps"]
            if _all_known(f, "personalized_rps", "hello_rps")
            else None
        ),
    ),
    "cart_vs_hello": (
        "cart_rps >= 0.6 x hello_rps",
        lambda f: (
            f["cart_rps"] >= 0.6 * f["hello_rps"]
            if _all_known(f, "cart_rps", "hello_rps")
            else None
        ),
    ),
    "cart_vs_postgraphile": (
        "cart_rps >= postgraphile_cart_rps",
        lambda f: (
            f["cart_rps"] >= f["postgraphile_cart_rps"]
            if _all_known(f, "cart_rps", "postgraphile_cart_rps")
            else None
        ),
    ),
    "personalized_latency": (
        "personalized p99 <= 3 x p50 and <= 40 ms",
        lambda f: _latency_ok(f, "personalized"),
    ),
    "cart_latency": ("cart p99 <= 3 x p50 and <= 40 ms", lambda f: _latency_ok(f, "cart")),
    "round_trips_personalized": (
        "sql_round_trips_personalized <= 3",
        lambda f: (
            f["sql_round_trips_personalized"] <= 3
            if _all_known(f, "sql_round_trips_personalized")
            else None
        ),
    ),
    "round_trips_cart_full": (
        "sql_round_trips_cart_full <= 3",
        lambda f: (
            f["sql_round_trips_cart_full"] <= 3
            if _all_known(f, "sql_round_trips_cart_full")
            else None
        ),
    ),
    "round_trips_entities_100": (
        "sql_round_trips_entities_100 <= 4",
        lambda f: (
            f["sql_round_trips_entities_100"] <= 4
            if _all_known(f, "sql_round_trips_entities_100")
            else None
        ),
    ),
    "evaluator_10k": (
        "evaluator_10k_p50_ms <= 1",
        lambda f: f["evaluator_10k_p50_ms"] <= 1 if _all_known(f, "evaluator_10k_p50_ms") else None,
    ),
    "rss": ("rss_mb <= 150", lambda f: f["rss_mb"] <= 150 if _all_known(f, "rss_mb") else None),
    "defer_first_part": (
        "deferred cart first part p50 <= 1.1 x listing p50",
        lambda f: (
            f["defer_first_part_over_listing"] <= 1.1
            if _all_known(f, "defer_first_part_over_listing")
            else None
        ),
    ),
    "replica_read_share": (
        "replica_read_share >= 0.9 (cold carts, replica 2 s behind, other customers written)",
        lambda f: f["replica_read_share"] >= 0.9 if _all_known(f, "replica_read_share") else None,
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
    ):
        out[f"{name}_over_hello"] = _ratio(figures.get(f"{name}_rps"), hello)
    out["cart_over_postgraphile"] = _ratio(
        figures.get("cart_rps"), figures.get("postgraphile_cart_rps")
    )
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
    ("workers2", "cart, --workers 2 (not pinned)"),
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
        f"{_show(figures.get('cart_over_postgraphile'))}; cart / naive: "
        f"{_show(figures.get('cart_over_naive'))}; replica read share: "
        f"{_show(figures.get('replica_read_share'))}"
    )
    lines.append(
        "deferred cart, first part p50 ms "
        f"{_show(figures.get('defer_first_part_p50_ms'))} / listing alone p50 ms "
        f"{_show(figures.get('defer_listing_p50_ms'))} = "
        f"{_show(figures.get('defer_first_part_over_listing'))} "
        f"({_show(figures.get('defer_requests'))} sequential customers)"
    )
    lines.append("")
    for name, target in figures.get("targets", {}).items():
        met = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        lines.append(f"  target {name:<26} {target['target']:<44} {met}")
    for note in figures.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def json_line(figures: Mapping[str, Any]) -> str:
    """The figures as one JSON line (NaN shown as null)."""
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in figures.items()}
    return orjson.dumps(clean).decode()
