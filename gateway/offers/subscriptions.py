"""Which subscription (and so which brand) a personalizedOffers request is about.

- ``subscriptionId`` given: that subscription; BAD_USER_INPUT when the customer has no such one.
- Not given, the customer's subscriptions span more than one brand: SUBSCRIPTION_REQUIRED.
- Not given, one brand: the most relevant subscription of it, by status (active, in_trial,
  non_renewing, paused, future, cancelled), then the most recent start, then the lowest id.
- No subscription at all: no subscription facts; the brand is the customer's only brand, or none
  (no offers) when the customer belongs to several or none.
"""

from __future__ import annotations

from gateway.errors import ErrorCode, GatewayError, bad_input
from gateway.evaluator import Subscription

STATUS_PREFERENCE = ("active", "in_trial", "non_renewing", "paused", "future", "cancelled")


def _relevance(sub: Subscription) -> tuple[int, float, str]:
    rank = STATUS_PREFERENCE.index(sub.status) if sub.status in STATUS_PREFERENCE else 99
    return (rank, -sub.started_at.timestamp(), sub.id)


def pick_subscription(
    subscriptions: tuple[Subscription, ...],
    brand_ids: tuple[str, ...],
    subscription_id: str | None,
    *,
    field: str = "input.subscriptionId",
) -> tuple[Subscription | None, str | None]:
    """(subscription, brand id) for a request, by the rules of this module's docstring.

    Example::

        pick_subscription((monthly, yearly), ("acme",), None)
        # -> (yearly, 'acme')
    """
    if subscription_id is not None:
        chosen = next((s for s in subscriptions if s.id == subscription_id), None)
        if chosen is None:
            raise bad_input(field, f"no subscription {subscription_id!r} for this customer")
        return chosen, chosen.brand_id
    brands = sorted({s.brand_id for s in subscriptions})
    if len(brands) > 1:
        raise GatewayError(
            ErrorCode.SUBSCRIPTION_REQUIRED,
            f"{field}: required, the customer has subscriptions in several brands "
            f"({', '.join(brands)})",
            extensions={"field": field, "brands": brands},
        )
    if subscriptions:
        chosen = min(subscriptions, key=_relevance)
        return chosen, chosen.brand_id
    return None, brand_ids[0] if len(brand_ids) == 1 else None
