"""The overload figure: latency of admitted and refused requests apart, on a served gateway."""

from __future__ import annotations

import json
from pathlib import Path

from bench.overload import goodput_figures, measure_overload, overload_figures, read_latencies
from bench.report import add_ratios_and_targets
from tests.provision import require_tool
from tests.serving import running_gateway

# Reads the database, so requests overlap (one that never awaits I/O finishes before the next
# starts, and a worker never has two in flight).
OFFERS = json.dumps(
    {"query": '{ personalizedOffers(input: {customerId: "demo-b2c"}) { offers { offerId } } }'}
)


def test_latencies_are_split_by_status_after_the_opening_burst(tmp_path: Path) -> None:
    lines = ["200 900000 0", "503 800000 500000"]  # sent in the first second: left out
    lines += ["200 10000 1000000", "200 30000 1200000", "503 2000 1300000", "500 1000 1400000"]
    (tmp_path / "lat").write_text("\n".join(lines) + "\nnot a line\n")

    split = read_latencies(tmp_path / "lat", duration_s=3, skip_s=1)

    assert (split.admitted, split.shed, split.other) == (2, 1, 1)
    assert split.statuses == {200: 2, 500: 1, 503: 1}
    assert split.admitted_rps == 1.0
    assert (split.admitted_p50_ms, split.admitted_p99_ms, split.shed_p99_ms) == (30.0, 30.0, 2.0)
    assert split.shed_share == 0.25


def test_a_short_overload_run_on_a_small_bound(database_dsn: str, tmp_path: Path) -> None:
    require_tool("wrk", "wrk")
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_MAX_IN_FLIGHT": "2",
        # No queue and a short pacing delay: 20 connections against 2 slots must see refusals
        # inside the 2 s run, however fast the machine serves (with the default queue of 16 a
        # fast machine served every request within its wait, and none was refused).
        "GATEWAY_ADMISSION_QUEUE": "0",
        "GATEWAY_REFUSAL_DELAY_MS": "100",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    with running_gateway(env, log=tmp_path / "serve.log") as (base, _process):
        split = measure_overload(
            f"{base}/graphql", [OFFERS], {}, bound=2, workdir=tmp_path, duration_s=2, skip_s=0
        )

    figures = overload_figures("overload", split)
    assert split.admitted > 0 and split.shed > 0 and split.other == 0
    assert figures["overload_admitted_p99_ms"] is not None
    assert 0 < split.shed_share < 1  # paced refusals: few, so the rounded percentage may be 0.0
    assert 0 <= figures["overload_shed_pct"] < 100
    assert set(figures["overload_statuses"]) == {"200", "503"}


def test_the_storm_goodput_is_read_against_the_capacity_of_the_same_run(tmp_path: Path) -> None:
    (tmp_path / "capacity").write_text("\n".join(f"200 1000 {i * 100000}" for i in range(40)))
    storm = [f"200 1000 {i * 200000}" for i in range(17)] + ["503 900000 10", "429 1000 20"]
    (tmp_path / "storm").write_text("\n".join(storm))
    capacity = read_latencies(tmp_path / "capacity", duration_s=4)
    flood = read_latencies(tmp_path / "storm", duration_s=4)

    figures = {
        **goodput_figures(capacity, flood),
        **overload_figures("overload_flood", flood),
        "overload_flood_admitted_p99_ms": 240.0,
    }
    targets = add_ratios_and_targets(figures)["targets"]

    assert figures["overload_capacity_rps"] == 10.0
    assert figures["overload_flood_goodput"] == 0.425
    assert targets["overload_goodput"]["met"] is False  # under 0.8 of capacity
    assert targets["overload_admitted_p99"]["met"] is True
    figures["overload_flood_goodput"] = 0.85
    figures["overload_flood_statuses"] = {"200": 1, "500": 1}
    assert add_ratios_and_targets(figures)["targets"]["overload_goodput"]["met"] is False
    figures["overload_flood_statuses"] = {"200": 1, "503": 1, "429": 1}
    assert add_ratios_and_targets(figures)["targets"]["overload_goodput"]["met"] is True
