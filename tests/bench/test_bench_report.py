"""The benchmark's last line: one JSON object with every figure the report promises, and the
targets met, missed or not measured."""

from __future__ import annotations

import orjson

from bench.report import REQUIRED_KEYS, add_ratios_and_targets, json_line, table
from bench.scenarios import entity_key


def test_json_line_has_every_required_key_even_when_figures_are_missing() -> None:
    figures = add_ratios_and_targets(
        {"hello_rps": 1000.0, "cart_rps": 700.0, "cart_paced_p50_ms": 10.0,
         "cart_paced_p99_ms": 25.0, "postgraphile_cart_rps": 350.0, "yoga_cart_rps": 700.0,
         "yoga_answers_equal": True, "rss_mb": float("nan"), "notes": []}
    )  # fmt: skip
    line = json_line(figures)
    assert "\n" not in line
    parsed = orjson.loads(line)
    assert set(REQUIRED_KEYS) <= set(parsed)
    assert parsed["entities100_rps"] is None
    assert parsed["rss_mb"] is None
    assert parsed["cart_over_hello"] == 0.7
    assert parsed["cart_over_postgraphile"] == 2.0
    assert parsed["cart_over_yoga"] == 1.0
    targets = parsed["targets"]
    assert targets["cart_vs_postgraphile"]["met"] is True
    assert targets["cart_vs_yoga"]["met"] is True
    assert targets["yoga_answers_equal"]["met"] is True
    assert targets["cart_latency"]["met"] is True  # 25 ms is the bound, 2.5 x p50
    assert targets["personalized_vs_hello"]["met"] is None
    assert targets["personalized_latency"]["met"] is None
    assert "cart_vs_hello" not in targets  # retired
    assert "target cart_vs_yoga" in table(figures)
    assert "GraphQL Yoga peer cart" in table(figures)


def test_each_target_is_missed_just_past_its_bound() -> None:
    figures = add_ratios_and_targets(
        {"hello_rps": 1000.0, "personalized_rps": 499.0, "personalized_hot_rps": 1999.0,
         "cart_hot_rps": 2000.0, "cart_rps": 600.0, "postgraphile_cart_rps": 401.0,
         "yoga_cart_rps": 601.0, "yoga_answers_equal": False,
         "personalized_paced_p50_ms": 5.0, "personalized_paced_p99_ms": 15.1,
         "cart_paced_p50_ms": 20.0, "cart_paced_p99_ms": 25.1,
         "sql_round_trips_personalized": 2, "sql_round_trips_cart_full": 3,
         "sql_round_trips_entities_100": 5, "evaluator_10k_p50_ms": 1.0, "rss_mb": 150.1,
         "defer_first_part_over_listing": 1.1, "replica_read_share": 0.89,
         "overload_flood_goodput": 0.799, "overload_flood_statuses": {"200": 1, "503": 1},
         "overload_flood_admitted_p99_ms": 250.1, "notes": []}
    )  # fmt: skip
    assert figures["targets_missed"] == sorted(
        [
            "personalized_vs_hello",  # 0.499 x hello
            "personalized_hot_vs_hello",  # 1.999 x hello
            "cart_vs_postgraphile",  # 1.496 x
            "cart_vs_yoga",  # 0.998 x
            "yoga_answers_equal",
            "personalized_latency",  # p99 over 3 x p50
            "cart_latency",  # p99 over 25 ms
            "round_trips_personalized",
            "round_trips_entities_100",
            "rss",
            "replica_read_share",
            "overload_goodput",  # 0.799 x capacity
            "overload_admitted_p99",  # 250.1 ms
        ]
    )
    assert figures["targets"]["cart_hot_vs_hello"]["met"] is True
    assert figures["targets"]["round_trips_cart_full"]["met"] is True
    assert figures["targets"]["evaluator_10k"]["met"] is True
    assert figures["targets"]["defer_first_part"]["met"] is True
    assert figures["targets_unmeasured"] == []


def test_entity_key_is_read_from_the_sdl() -> None:
    assert entity_key('type Customer @key(fields: "customerId") {\n  a: Int\n}') == "customerId"
    assert entity_key("type Query {\n  a: Int\n}") is None


def test_the_cart_targets_read_the_paired_rounds_when_they_were_measured() -> None:
    single = {"hello_rps": 1000.0, "cart_rps": 500.0, "postgraphile_cart_rps": 340.0,
              "yoga_cart_rps": 550.0, "notes": []}  # fmt: skip
    alone = add_ratios_and_targets(single)["targets"]
    assert alone["cart_vs_yoga"]["met"] is False  # 0.909 x, single runs minutes apart
    assert alone["cart_vs_postgraphile"]["met"] is False  # 1.47 x
    paired = add_ratios_and_targets(
        {**single, "paired_cart_over_yoga": 1.02, "paired_cart_over_postgraphile": 1.49}
    )
    assert paired["targets"]["cart_vs_yoga"]["met"] is True
    assert paired["targets"]["cart_vs_postgraphile"]["met"] is False
    assert paired["cart_over_yoga"] == 0.909  # the single runs' ratio is still reported
    assert "geometric mean cart / Yoga 1.02" in table(paired)
