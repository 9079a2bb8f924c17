"""Every operator, on every type it accepts, given / when / then as table rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.evaluator.properties import NOW_KEY
from gateway.evaluator.rules import compile_audience

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

FACTS: dict[str, object] = {
    NOW_KEY: NOW,
    "subscription.plan": "pro-annual",
    "subscription.amount": 19.5,
    "subscription.tenure_days": 400,
    "subscription.cancel_scheduled": False,
    "subscription.trial_end": NOW + timedelta(days=2),
    "history.last_dismissed_at": NOW - timedelta(days=3),
    "user.roles": ("admin", "billing"),
    "request.url_path": "/account/billing",
    "custom.score": 42,
    "custom.tier": "gold",
    "custom.vip": True,
    "custom.renewal": "2026-07-01T00:00:00+00:00",
}

CASES = [
    # property, operator, value, expected
    ("subscription.plan", "eq", "pro-annual", True),
    ("subscription.plan", "eq", "pro", False),
    ("subscription.plan", "ne", "pro", True),
    ("subscription.plan", "ne", "pro-annual", False),
    ("subscription.plan", "in", ["basic", "pro-annual"], True),
    ("subscription.plan", "in", ["basic"], False),
    ("subscription.plan", "not_in", ["basic"], True),
    ("subscription.plan", "not_in", ["pro-annual"], False),
    ("subscription.plan", "contains", "annual", True),
    ("subscription.plan", "contains", "monthly", False),
    ("subscription.plan", "starts_with", "pro-", True),
    ("subscription.plan", "starts_with", "annual", False),
    ("subscription.plan", "ends_with", "-annual", True),
    ("subscription.plan", "ends_with", "pro", False),
    ("subscription.plan", "matches", "^pro-(annual|monthly)$", True),
    ("subscription.plan", "matches", "^basic", False),
    ("subscription.plan", "exists", True, True),
    ("subscription.plan", "exists", False, False),
    ("subscription.id", "exists", False, True),
    ("subscription.id", "eq", "x", False),  # absent: every comparison is false
    ("subscription.id", "ne", "x", False),
    ("subscription.id", "not_in", ["x"], False),
    ("subscription.amount", "gt", 19, True),
    ("subscription.amount", "gt", 19.5, False),
    ("subscription.amount", "gte", 19.5, True),
    ("subscription.amount", "lt", 20, True),
    ("subscription.amount", "lte", 19, False),
    ("subscription.amount", "eq", 19.5, True),
    ("subscription.amount", "in", [10, 19.5], True),
    ("subscription.tenure_days", "between", [365, 730], True),
    ("subscription.tenure_days", "between", [0, 399], False),
    ("subscription.tenure_days", "between", [400, 400], True),
    ("subscription.cancel_scheduled", "eq", False, True),
    ("subscription.cancel_scheduled", "ne", False, False),
    ("subscription.trial_end", "before", "now+3d", True),
    ("subscription.trial_end", "before", "now+1d", False),
    ("subscription.trial_end", "after", "now", True),
    ("subscription.trial_end", "after", "2026-07-01T00:00:00Z", False),
    ("subscription.trial_end", "before", "2026-07-01T00:00:00+02:00", True),
    ("subscription.trial_end", "between", ["now", "now+7d"], True),
    ("subscription.trial_end", "between", ["now-7d", "now"], False),
    ("history.last_dismissed_at", "within_last", "7d", True),
    ("history.last_dismissed_at", "within_last", "2d", False),
    ("history.last_viewed_at", "within_last", "7d", False),
    ("user.roles", "contains", "admin", True),
    ("user.roles", "contains", "owner", False),
    ("user.roles", "in", ["owner", "billing"], True),
    ("user.roles", "in", ["owner"], False),
    ("user.roles", "not_in", ["owner"], True),
    ("user.roles", "not_in", ["admin"], False),
    ("user.roles", "exists", True, True),
    ("request.url_path", "starts_with", "/account/", True),
    ("custom.score", "gte", 40, True),
    ("custom.score", "eq", "42", False),  # untyped custom: the value's type must match too
    ("custom.score", "between", [0, 41], False),
    ("custom.tier", "in", ["gold", "platinum"], True),
    ("custom.tier", "gt", 3, False),
    ("custom.vip", "eq", True, True),
    ("custom.vip", "eq", 1, False),  # a boolean is not a number
    ("custom.renewal", "after", "now", True),
    ("custom.renewal", "before", "now", False),
    ("custom.missing", "exists", False, True),
]


@pytest.mark.parametrize(("prop", "op", "value", "expected"), CASES)
def test_operator(prop: str, op: str, value: object, expected: bool) -> None:
    # given a single condition
    audience = compile_audience({"property": prop, "operator": op, "value": value})
    # when it is checked, then it answers as the table says
    assert audience.check(FACTS) is expected


def test_all_any_not_combine() -> None:
    audience = compile_audience(
        {
            "all": [
                {"property": "subscription.plan", "operator": "starts_with", "value": "pro"},
                {
                    "any": [
                        {"property": "custom.score", "operator": "gt", "value": 90},
                        {"property": "user.roles", "operator": "contains", "value": "admin"},
                    ]
                },
                {"not": {"property": "custom.vip", "operator": "eq", "value": False}},
            ]
        }
    )
    assert audience.check(FACTS)
    assert audience.condition_count == 4
    assert not audience.check({**FACTS, "user.roles": ("member",)})


def test_empty_audience_matches_everyone() -> None:
    assert compile_audience(None).check({})
    assert compile_audience({"all": []}).check({})
    assert compile_audience({"all": []}).condition_count == 0


def test_regex_only_sees_a_bounded_prefix() -> None:
    audience = compile_audience(
        {"property": "request.url_path", "operator": "matches", "value": "needle$"}
    )
    assert audience.check({"request.url_path": "/x/needle"})
    assert not audience.check({"request.url_path": "/" + "x" * 5000 + "needle"})
