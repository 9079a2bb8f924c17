"""The benchmark's last line: one JSON object with every figure the report promises."""

from __future__ import annotations

import orjson

from gateway.bench.report import REQUIRED_KEYS, add_ratios_and_targets, json_line, table
from gateway.bench.scenarios import entity_key


def test_json_line_has_every_required_key_even_when_figures_are_missing() -> None:
    figures = add_ratios_and_targets(
        {"hello_rps": 1000.0, "cart_rps": 700.0, "cart_p50_ms": 10.0, "cart_p99_ms": 25.0,
         "postgraphile_cart_rps": 350.0, "rss_mb": float("nan"), "notes": []}
    )  # fmt: skip
    line = json_line(figures)
    assert "\n" not in line
    parsed = orjson.loads(line)
    assert set(REQUIRED_KEYS) <= set(parsed)
    assert parsed["entities100_rps"] is None
    assert parsed["rss_mb"] is None
    assert parsed["cart_over_hello"] == 0.7
    assert parsed["cart_over_postgraphile"] == 2.0
    assert parsed["targets"]["cart_vs_hello"]["met"] is True
    assert parsed["targets"]["cart_latency"]["met"] is True
    assert parsed["targets"]["personalized_vs_hello"]["met"] is None
    assert "cart_vs_hello" not in parsed["targets_missed"]
    assert "target cart_vs_hello" in table(figures)


def test_entity_key_is_read_from_the_sdl() -> None:
    assert entity_key('type Customer @key(fields: "customerId") {\n  a: Int\n}') == "customerId"
    assert entity_key("type Query {\n  a: Int\n}") is None
