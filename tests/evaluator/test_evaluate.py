"""Eligibility, ranking, holdout, expiresAt and explain (REFERENCE C.5 to C.7); no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway.evaluator import (
    BASIS_POINTS,
    Customer,
    EndUser,
    History,
    Outcome,
    Play,
    PlayHistory,
    PlayIndex,
    Subject,
    Subscription,
    compile_audience,
    evaluate,
)
from gateway.evaluator.bucketing import SPLIT, bucket

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
PRO = {"property": "subscription.plan", "operator": "eq", "value": "pro"}
MONTHLY = {"property": "subscription.billing_period_unit", "operator": "eq", "value": "month"}

SUBJECT = Subject(
    customer=Customer("c1", created_at=NOW - timedelta(days=500)),
    subscription=Subscription(
        id="s1", brand_id="acme", plan_id="pro", status="active", started_at=NOW - timedelta(90)
    ),
    user=EndUser("u1", ("admin",)),
)


def play(play_id: str, audience: object = None, **fields: object) -> Play:
    return Play(
        id=play_id,
        brand_id="acme",
        offer_id=f"offer-{play_id}",
        audience=compile_audience(audience),
        **fields,  # type: ignore[arg-type]
    )


def winner(*plays: Play, subject: Subject = SUBJECT, now: datetime = NOW) -> str | None:
    decision = evaluate(PlayIndex(plays), subject, now)
    return decision.play.id if decision.play else None


ELIGIBILITY = [
    # play fields, wins?
    ({}, True),
    ({"status": "paused"}, False),
    ({"status": "draft"}, False),
    ({"starts_at": NOW + timedelta(seconds=1)}, False),
    ({"starts_at": NOW}, True),
    ({"ends_at": NOW}, False),
    ({"ends_at": NOW + timedelta(seconds=1)}, True),
    ({"brand_id": "globex"}, False),
    ({"audience": compile_audience(PRO)}, True),
    ({"audience": compile_audience({**PRO, "value": "basic"})}, False),
    ({"traffic_bp": 0}, False),
    ({"traffic_bp": BASIS_POINTS}, True),
]


@pytest.mark.parametrize(("fields", "wins"), ELIGIBILITY)
def test_eligibility(fields: dict[str, object], wins: bool) -> None:
    assert (winner(replace(play("p1"), **fields)) == "p1") is wins  # type: ignore[arg-type]


HISTORY = [
    # cooldown, max accepts, this play's history, wins?
    (timedelta(days=7), None, PlayHistory(last_dismissed_at=NOW - timedelta(days=6)), False),
    (timedelta(days=7), None, PlayHistory(last_dismissed_at=NOW - timedelta(days=7)), True),
    (None, None, PlayHistory(last_dismissed_at=NOW - timedelta(minutes=1)), True),
    (None, 1, PlayHistory(accepted_count=1), False),
    (None, 2, PlayHistory(accepted_count=1), True),
    (None, None, PlayHistory(accepted_count=50), True),
]


@pytest.mark.parametrize(("cooldown", "max_accepts", "history", "wins"), HISTORY)
def test_cooldown_and_max_accepts(
    cooldown: timedelta | None, max_accepts: int | None, history: PlayHistory, wins: bool
) -> None:
    subject = replace(SUBJECT, history=History(by_play={"p1": history}))
    candidate = play("p1", cooldown=cooldown, max_accepts_per_customer=max_accepts)
    assert (winner(candidate, subject=subject) == "p1") is wins


def test_history_of_another_play_does_not_count() -> None:
    subject = replace(
        SUBJECT,
        history=History(by_play={"p2": PlayHistory(last_dismissed_at=NOW, accepted_count=9)}),
    )
    assert winner(
        play("p1", cooldown=timedelta(days=7), max_accepts_per_customer=1), subject=subject
    )


RANKING = [
    # (id, priority, audience) of each play, winner
    ([("a", 1, None), ("b", 5, None)], "b"),
    ([("a", 5, None), ("b", 5, PRO)], "b"),  # tie on priority: more conditions wins
    ([("a", 5, {"all": [PRO, MONTHLY]}), ("b", 5, PRO)], "a"),
    ([("b", 5, PRO), ("a", 5, PRO)], "a"),  # full tie: lowest id
    ([("a", 9, {**PRO, "value": "basic"}), ("b", 1, None)], "b"),  # best one not eligible
]


@pytest.mark.parametrize(("plays", "expected"), RANKING)
def test_ranking(plays: list[tuple[str, int, object]], expected: str) -> None:
    candidates = [play(pid, audience, priority=priority) for pid, priority, audience in plays]
    assert winner(*candidates) == expected
    assert winner(*reversed(candidates)) == expected  # order of the catalog does not matter


def test_split_is_stable_and_close_to_its_share() -> None:
    half = play("p1", traffic_bp=5_000)
    subjects = [replace(SUBJECT, customer=Customer(f"c{i}")) for i in range(2_000)]
    first = [winner(half, subject=s) for s in subjects]
    second = [winner(half, subject=s) for s in subjects]
    assert first == second
    assert 900 < sum(w == "p1" for w in first) < 1_100


def test_split_buckets_by_end_user_too() -> None:
    buckets = {bucket(SPLIT, "p1", "c1", f"u{i}") for i in range(50)}
    assert len(buckets) > 40
    assert bucket(SPLIT, "p1", "c1", "u1") == bucket(SPLIT, "p1", "c1", "u1")


def test_holdout_shows_no_offer_but_names_the_play() -> None:
    held = evaluate(PlayIndex([play("p1", holdout_bp=BASIS_POINTS)]), SUBJECT, NOW)
    assert held.play is not None and held.held_out and held.offer_play is None
    shown = evaluate(PlayIndex([play("p1", holdout_bp=0)]), SUBJECT, NOW)
    assert shown.offer_play is not None and not shown.held_out


TTL = timedelta(minutes=15)
EXPIRY = [
    # play fields, subscription fields, expected expiresAt
    ({}, {}, NOW + TTL),
    ({"decision_ttl": timedelta(hours=1)}, {}, NOW + timedelta(hours=1)),
    ({"ends_at": NOW + timedelta(minutes=5)}, {}, NOW + timedelta(minutes=5)),
    ({}, {"trial_end": NOW + timedelta(minutes=3)}, NOW + timedelta(minutes=3)),
    ({}, {"trial_end": NOW - timedelta(days=3)}, NOW + TTL),  # past changes do not count
    ({}, {"cancel_scheduled_at": NOW + timedelta(minutes=7)}, NOW + timedelta(minutes=7)),
]


@pytest.mark.parametrize(("fields", "sub_fields", "expected"), EXPIRY)
def test_expires_at(
    fields: dict[str, object], sub_fields: dict[str, object], expected: datetime
) -> None:
    assert SUBJECT.subscription is not None
    subject = replace(SUBJECT, subscription=replace(SUBJECT.subscription, **sub_fields))  # type: ignore[arg-type]
    decision = evaluate(PlayIndex([play("p1", **fields)]), subject, NOW)
    assert decision.expires_at == expected


def test_expires_when_a_better_play_starts_or_its_cooldown_ends() -> None:
    later = play("later", priority=9, starts_at=NOW + timedelta(minutes=4))
    cooled = play("cooled", priority=8, cooldown=timedelta(days=1))
    subject = replace(
        SUBJECT,
        history=History(
            by_play={"cooled": PlayHistory(last_dismissed_at=NOW - timedelta(hours=23, minutes=58))}
        ),
    )
    decision = evaluate(PlayIndex([later, cooled, play("base")]), subject, NOW)
    assert decision.play is not None and decision.play.id == "base"
    assert decision.expires_at == NOW + timedelta(minutes=2)


def test_no_offer_expires_after_the_default_ttl() -> None:
    decision = evaluate(PlayIndex([play("p1", {**PRO, "value": "x"})]), SUBJECT, NOW)
    assert decision.play is None and decision.expires_at == NOW + TTL


def test_explain_says_why_each_play_won_or_lost() -> None:
    plays = [
        play("best", {"all": [PRO, {"any": [{**MONTHLY, "value": "year"}]}]}, priority=9),
        play("paused", status="paused"),
        play("winner", PRO, priority=5),
        play("runner-up", priority=1),
    ]
    decision = evaluate(PlayIndex(plays), SUBJECT, NOW, explain=True)
    verdicts = {v.play_id: v for v in decision.verdicts}
    assert decision.play is not None and decision.play.id == "winner"
    assert verdicts["best"].outcome is Outcome.AUDIENCE
    assert verdicts["best"].rule_path == "audience.all[1]"
    assert verdicts["winner"].outcome is Outcome.WON
    assert verdicts["runner-up"].outcome is Outcome.OUTRANKED
    assert "paused" not in verdicts  # only active plays are candidates


def test_explain_names_the_failing_condition() -> None:
    decision = evaluate(
        PlayIndex([play("p1", {"all": [PRO, {**MONTHLY, "value": "year"}]})]),
        SUBJECT,
        NOW,
        explain=True,
    )
    (verdict,) = decision.verdicts
    assert verdict.rule_path == "audience.all[1]"
    assert "subscription.billing_period_unit eq 'year' is false (actual: 'month')" in verdict.detail


def test_same_inputs_same_decision() -> None:
    plays = [play(f"p{i}", PRO, priority=i % 3, traffic_bp=5_000) for i in range(30)]
    decisions = {evaluate(PlayIndex(plays), SUBJECT, NOW) for _ in range(5)}
    assert len(decisions) == 1
