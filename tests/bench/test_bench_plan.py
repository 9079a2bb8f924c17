"""The bench's plan: the cold scenarios meet each customer once, in the run at the maximum and in
the run paced at 80 % of it alike."""

from __future__ import annotations

from bench.report import Figures
from bench.run import cold_cart_scenario, plan_scenarios
from bench.shape import Shape


def test_the_paced_runs_ask_for_customers_no_other_run_asked_for() -> None:
    figures: Figures = {"notes": []}
    plan = {scenario.name: scenario for scenario in plan_scenarios(Shape.at(0.01), figures)}

    for name in ("personalized", "cart"):
        scenario = plan[name]
        assert scenario.paced_bodies, name
        at_maximum, paced = set(scenario.bodies), set(scenario.paced_bodies)
        warmup = set(scenario.warmup_bodies or ())
        assert not at_maximum & paced, name
        assert not (at_maximum | paced) & warmup, name
        assert len(paced) == len(scenario.paced_bodies)  # no customer twice
    assert all(plan[name].paced_bodies is None for name in ("hello", "cart_hot", "entities100"))
    assert cold_cart_scenario(Shape.at(0.01), "yoga_cart").paced_bodies is None
