"""The bench's phase lines: numbered, with the time so far and the load runs' time still to come."""

from __future__ import annotations

import re

from bench.run import Phases


def test_phases_are_numbered_and_count_down_the_load_runs() -> None:
    lines: list[str] = []
    phase = Phases(lines.append, total=4, load_runs=2, seconds_per_run=15)

    phase("dataset")
    phase("cart on gateway", load_run=True)
    phase("naive on baseline", load_run=True)
    phase("report")

    assert [re.sub(r"\(\d+ s so far", "(N so far", line) for line in lines] == [
        "[1/4] dataset (N so far, about 30 s left)",
        "[2/4] cart on gateway (N so far, about 30 s left)",
        "[3/4] naive on baseline (N so far, about 15 s left)",
        "[4/4] report (N so far, about 0 s left)",
    ]
