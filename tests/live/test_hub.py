"""Which notifications wake which subscribers, and the limits (pure: no database, no server)."""

from __future__ import annotations

import pytest

from gateway.live.hub import LiveHub
from gateway.live.limits import TOO_MANY_SUBSCRIPTIONS, SubscriptionLimits, SubscriptionRefused


def _hub(per_key: int = 10, per_worker: int = 100) -> LiveHub:
    return LiveHub(SubscriptionLimits(per_key=per_key, per_worker=per_worker))


async def test_a_customers_change_wakes_only_its_subscribers() -> None:
    hub = _hub()
    loyal, b2c = hub.admit("k"), hub.admit("k")
    hub.watch(loyal, customers=["demo-loyal"], promotions=["acme-welcome10"])
    hub.watch(b2c, customers=["demo-b2c"], promotions=[])

    hub.apply("c:demo-loyal")

    assert loyal.woken and not b2c.woken


async def test_a_promotions_shared_counter_wakes_every_holder_and_all_wakes_everyone() -> None:
    hub = _hub()
    one, two, other = hub.admit("k"), hub.admit("k"), hub.admit("k")
    hub.watch(one, customers=["a"], promotions=["shared"])
    hub.watch(two, customers=["b"], promotions=["shared"])
    hub.watch(other, customers=["c"], promotions=[])

    hub.apply("p:shared")
    assert [s.woken for s in (one, two, other)] == [True, True, False]

    hub.apply("all")
    assert other.woken


async def test_a_change_during_a_round_is_seen_after_it() -> None:
    hub = _hub()
    subscriber = hub.admit("k")
    started = hub.sequence

    hub.apply("c:demo-loyal")  # before the round watched what it read
    hub.watch(subscriber, customers=["demo-loyal"], promotions=[])

    assert hub.changed_since(started, subscriber.watched)
    assert not hub.changed_since(hub.sequence, subscriber.watched)


async def test_past_a_limit_is_refused_with_a_code() -> None:
    hub = _hub(per_key=2, per_worker=3)
    first = hub.admit("a")
    hub.admit("a")
    with pytest.raises(SubscriptionRefused) as per_key:
        hub.admit("a")
    hub.admit("b")
    with pytest.raises(SubscriptionRefused) as per_worker:
        hub.admit("c")

    assert per_key.value.extensions == {"code": TOO_MANY_SUBSCRIPTIONS}
    assert "API key has 2" in per_key.value.message
    assert "worker serves 3" in per_worker.value.message
    hub.release(first)
    hub.admit("a")  # room again


async def test_ending_a_keys_subscriptions_leaves_the_others() -> None:
    hub = _hub()
    revoked, kept = hub.admit("old"), hub.admit("new")

    assert hub.end(["old"], None) == 1

    assert revoked.ending and revoked.woken
    assert not kept.ending
