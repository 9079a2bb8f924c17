"""How many subscriptions one API key and one worker may hold open."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError

# extensions.code of a subscription refused past a limit.
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"


@dataclass(frozen=True)
class SubscriptionLimits:
    """Most subscriptions open at once, per API key and per worker; most rounds run at once.

    Rounds beyond ``rounds_at_once`` wait their turn: a thousand clients reconnecting together
    (a restart) queue for the pool instead of failing on its acquire timeout.

    >>> SubscriptionLimits(per_key=100, per_worker=10_000, rounds_at_once=20).per_key
    100
    """

    per_key: int
    per_worker: int
    rounds_at_once: int = 20


class SubscriptionRefused(GraphQLError):
    """A subscription past a limit: a GraphQL error coded TOO_MANY_SUBSCRIPTIONS."""


def too_many(reason: str) -> SubscriptionRefused:
    """The refusal, its message naming the limit reached."""
    return SubscriptionRefused(
        f"subscription refused: {reason}", extensions={"code": TOO_MANY_SUBSCRIPTIONS}
    )
