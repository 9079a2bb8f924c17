"""Pick the one best play for a subject (REFERENCE C.5 to C.7), deterministically.

A play is eligible when it is active, inside its schedule, of the request's brand, its audience
matches, the customer is not in its cool-down after a dismissal, has not reached its accept limit,
and falls inside its traffic split. The best eligible play by ``Play.rank_key`` wins; if the user is
in the winner's holdout, no offer is shown (the winner is still reported, marked held out).
"""

from __future__ import annotations

from datetime import datetime

from gateway.evaluator.bucketing import HOLDOUT, SPLIT, in_share
from gateway.evaluator.index import PlayIndex
from gateway.evaluator.models import (
    DEFAULT_DECISION_TTL,
    Decision,
    Outcome,
    Play,
    Verdict,
)
from gateway.evaluator.properties import Facts, facts_of
from gateway.evaluator.rules import Condition
from gateway.evaluator.subject import Subject


def evaluate(
    index: PlayIndex,
    subject: Subject,
    now: datetime,
    *,
    brand_id: str | None = None,
    explain: bool = False,
) -> Decision:
    """The best play for ``subject`` at ``now`` among ``index``'s plays, and until when it holds.

    ``brand_id`` defaults to the subject's subscription's brand. With ``explain``, every play of
    the index is checked and gets a ``Verdict`` (slower; the winner is the same).

    Example::

        decision = evaluate(PlayIndex(plays), subject, now)
        decision.play.id if decision.play else None
        # -> 'acme-annual-upgrade'
    """
    if brand_id is None and subject.subscription is not None:
        brand_id = subject.subscription.brand_id
    facts = facts_of(subject, now)
    changes: list[datetime] = []  # times a losing play may become eligible: bound expiresAt
    winner: Play | None = None
    verdicts: list[Verdict] = []
    plays = index.plays if explain else index.candidates(facts)
    for play in plays:
        verdict = _check(play, subject, facts, now, brand_id, changes)
        if verdict is None:
            if winner is None:
                winner = play
                if not explain:
                    break
                verdicts.append(Verdict(play.id, Outcome.WON))
            else:
                verdicts.append(Verdict(play.id, Outcome.OUTRANKED, f"{winner.id} ranks higher"))
        elif explain:
            verdicts.append(verdict)
    held_out = winner is not None and not in_share(
        HOLDOUT,
        10_000 - winner.holdout_bp,
        winner.id,
        subject.customer.id,
        subject.user.external_id,
    )
    if held_out and explain:
        verdicts = [
            Verdict(v.play_id, Outcome.HELD_OUT, "this user is in the play's control group")
            if v.outcome is Outcome.WON
            else v
            for v in verdicts
        ]
    return Decision(
        play=winner,
        expires_at=_expires_at(winner, subject, now, changes),
        held_out=held_out,
        verdicts=tuple(verdicts),
    )


def _check(
    play: Play,
    subject: Subject,
    facts: Facts,
    now: datetime,
    brand_id: str | None,
    changes: list[datetime],
) -> Verdict | None:
    """None when ``play`` is eligible, else why not (the first failing check)."""
    if play.status != "active":
        return Verdict(play.id, Outcome.INACTIVE, f"status is {play.status}")
    if play.starts_at is not None and now < play.starts_at:
        changes.append(play.starts_at)
        return Verdict(play.id, Outcome.NOT_STARTED, f"starts at {play.starts_at.isoformat()}")
    if play.ends_at is not None and now >= play.ends_at:
        return Verdict(play.id, Outcome.ENDED, f"ended at {play.ends_at.isoformat()}")
    if brand_id is not None and play.brand_id != brand_id:
        return Verdict(play.id, Outcome.WRONG_BRAND, f"play of brand {play.brand_id}")
    if not play.audience.check(facts):
        failed = play.audience.first_failure(facts)
        if isinstance(failed, Condition):
            actual = facts.get(failed.property)
            detail = f"{failed.describe()} is false (actual: {actual!r})"
        else:
            detail = failed.describe() if failed is not None else "audience does not match"
        return Verdict(play.id, Outcome.AUDIENCE, detail, failed.path if failed else None)
    history = subject.history.by_play.get(play.id)
    if history is not None:
        if play.cooldown is not None and history.last_dismissed_at is not None:
            cooldown_end = history.last_dismissed_at + play.cooldown
            if now < cooldown_end:
                changes.append(cooldown_end)
                return Verdict(
                    play.id,
                    Outcome.COOLDOWN,
                    f"dismissed; cool-down until {cooldown_end.isoformat()}",
                )
        limit = play.max_accepts_per_customer
        if limit is not None and history.accepted_count >= limit:
            return Verdict(
                play.id, Outcome.MAX_ACCEPTS, f"accepted {history.accepted_count} of {limit} times"
            )
    if not in_share(SPLIT, play.traffic_bp, play.id, subject.customer.id, subject.user.external_id):
        return Verdict(
            play.id, Outcome.OUTSIDE_SPLIT, f"outside the {play.traffic_bp / 100:g} % split"
        )
    return None


def _expires_at(
    winner: Play | None, subject: Subject, now: datetime, changes: list[datetime]
) -> datetime:
    """C.7: now + the winner's TTL, capped by its end and the next known change of an input."""
    candidates = [now + (winner.decision_ttl if winner else DEFAULT_DECISION_TTL), *changes]
    if winner is not None and winner.ends_at is not None:
        candidates.append(winner.ends_at)
    sub = subject.subscription
    if sub is not None:
        candidates += [t for t in (sub.trial_end, sub.term_end, sub.cancel_scheduled_at) if t]
    return min(t for t in candidates if t > now)
