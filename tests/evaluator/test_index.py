"""The play index only narrows: the winner is the one a full scan in rank order finds."""

from __future__ import annotations

import random
from datetime import timedelta

from gateway.evaluator import PlayIndex, compile_audience, evaluate
from gateway.evaluator.bench import NOW, synthetic_play, synthetic_subject
from gateway.evaluator.models import Play


def test_index_agrees_with_a_full_scan() -> None:
    rng = random.Random(7)
    index = PlayIndex(synthetic_play(rng, i) for i in range(600))
    for number in range(400):
        subject = synthetic_subject(rng, number)
        fast = evaluate(index, subject, NOW)
        full = evaluate(index, subject, NOW, explain=True)  # checks every play
        assert fast.play == full.play
        assert fast.expires_at == full.expires_at


def test_index_narrows_by_plan_language_and_roles() -> None:
    def play(play_id: str, *conditions: dict[str, object]) -> Play:
        return Play(play_id, "b", "o", compile_audience({"all": list(conditions)}))

    index = PlayIndex(
        [
            play("pro", {"property": "subscription.plan", "operator": "in", "value": ["pro"]}),
            play("de", {"property": "request.language", "operator": "eq", "value": "de"}),
            play("admin", {"property": "user.roles", "operator": "contains", "value": "admin"}),
            play("any", {"property": "subscription.tenure_days", "operator": "gt", "value": 3}),
        ]
    )
    found = {
        p.id for p in index.candidates({"subscription.plan": "basic", "user.roles": ("admin",)})
    }
    assert found == {"admin", "any"}
    assert set(index.indexed_properties) == {"subscription.plan", "request.language", "user.roles"}


def test_inactive_plays_are_not_indexed() -> None:
    active = Play("a", "b", "o", compile_audience(None), cooldown=timedelta(days=1))
    paused = Play("p", "b", "o", compile_audience(None), status="paused")
    assert [p.id for p in PlayIndex([active, paused]).plays] == ["a"]
