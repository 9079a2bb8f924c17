"""Invalid rules are refused when loaded, with the path of the bad node and what is wrong."""

from __future__ import annotations

import pytest

from gateway.evaluator.rules import RuleError, compile_audience

PLAN = {"property": "subscription.plan", "operator": "eq", "value": "pro"}

CASES = [
    # rule, path, words in the problem
    ([], "audience", "expected an object"),
    ({"all": PLAN}, "audience.all", "expected a list"),
    ({"any": []}, "audience.any", "never matches"),
    ({"all": [PLAN], "any": [PLAN]}, "audience", "exactly one key"),
    (
        {"all": [PLAN, {"property": "plan", "operator": "eq", "value": "x"}]},
        "audience.all[1].property",
        "unknown property 'plan'",
    ),
    (
        {"all": [{"any": [PLAN, {**PLAN, "operator": "equals"}]}]},
        "audience.all[0].any[1].operator",
        "unknown operator 'equals'",
    ),
    ({**PLAN, "operator": "gt"}, "audience.operator", "gt does not apply to subscription.plan"),
    (
        {"property": "user.roles", "operator": "eq", "value": "admin"},
        "audience.operator",
        "eq does not apply",
    ),
    (
        {"property": "subscription.trial_end", "operator": "eq", "value": "now"},
        "audience.operator",
        "eq does not apply",
    ),
    ({**PLAN, "value": 3}, "audience.value", "expected a string"),
    ({"property": "subscription.plan", "operator": "eq"}, "audience.value", "missing"),
    ({**PLAN, "operator": "in", "value": []}, "audience.value", "non-empty list"),
    ({**PLAN, "operator": "in", "value": ["a", 1]}, "audience.value", "expected a string"),
    ({**PLAN, "extra": 1}, "audience", "unexpected keys ['extra']"),
    (
        {"property": "subscription.amount", "operator": "between", "value": [5]},
        "audience.value",
        "two bounds",
    ),
    (
        {"property": "subscription.amount", "operator": "between", "value": [9, 5]},
        "audience.value",
        "low bound is above",
    ),
    (
        {"property": "subscription.amount", "operator": "gt", "value": True},
        "audience.value",
        "expected a number",
    ),
    (
        {"property": "subscription.trial_end", "operator": "before", "value": "tomorrow"},
        "audience.value",
        "ISO-8601",
    ),
    (
        {"property": "subscription.trial_end", "operator": "before", "value": "2026-01-01T00:00"},
        "audience.value",
        "ISO-8601",
    ),
    (
        {"property": "history.last_viewed_at", "operator": "within_last", "value": "7 days"},
        "audience.value",
        "duration",
    ),
    (
        {**PLAN, "operator": "matches", "value": "(unclosed"},
        "audience.value",
        "invalid regular expression",
    ),
    ({**PLAN, "operator": "matches", "value": "a" * 201}, "audience.value", "limited to 200"),
    ({**PLAN, "operator": "exists", "value": "yes"}, "audience.value", "true"),
    (
        {"property": "custom.bad-key", "operator": "eq", "value": 1},
        "audience.property",
        "unknown property",
    ),
    (
        {"property": "custom.score", "operator": "eq", "value": {"a": 1}},
        "audience.value",
        "expected a string, a number",
    ),
]


@pytest.mark.parametrize(("rule", "path", "problem"), CASES)
def test_invalid_rule_names_its_path(rule: object, path: str, problem: str) -> None:
    with pytest.raises(RuleError) as caught:
        compile_audience(rule)
    assert caught.value.path == path
    assert problem in caught.value.problem


def test_nesting_is_bounded() -> None:
    rule: object = PLAN
    for _ in range(10):
        rule = {"not": rule}
    with pytest.raises(RuleError, match="nest at most"):
        compile_audience(rule)


def test_paths_carry_a_prefix() -> None:
    with pytest.raises(RuleError) as caught:
        compile_audience({"all": [{"not": {}}]}, path="plays[2].audience")
    assert caught.value.path == "plays[2].audience.all[0].not"
