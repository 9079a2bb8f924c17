"""The live-updates phase at a tiny size: every figure produced and sane, no target read from it."""

from __future__ import annotations

from pathlib import Path

from bench.live import LiveOptions, run_live
from bench.report import add_ratios_and_targets, table

LIVE_TARGETS = (
    "live_redemption_p99",
    "live_stray_rounds",
    "live_idle_memory",
    "live_catalog_fanout",
)


def test_the_live_phase_measures_20_subscribers_on_a_served_worker(
    server_dsn: str, tmp_path: Path
) -> None:
    options = LiveOptions(subscribers=20, connections=2, redemptions=10)

    figures = run_live(server_dsn, tmp_path, options, log=lambda _line: None)

    assert figures["live_subscribers"] == 20 and figures["live_redemptions"] == 10
    assert 0 < figures["live_p50_ms"] <= figures["live_p99_ms"] < 10_000
    assert 0 <= figures["live_after_response_p99_ms"] <= figures["live_p99_ms"]
    assert figures["live_stray_rounds"] == 0  # each redemption re-ran its own subscriber only
    assert 0 < figures["live_catalog_fanout_s"] < 30
    assert figures["live_idle_rss_kb_before"] > 10_000  # a worker's RSS, in KB
    assert isinstance(figures["live_idle_kb_per_subscription"], float)
    reported = add_ratios_and_targets({**figures, "notes": []})
    assert all(reported["targets"][name]["met"] is None for name in LIVE_TARGETS)  # only at 1,000
    assert "live updates, 20 subscriptions on one worker" in table(reported)
