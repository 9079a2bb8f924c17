"""Rounds woken together share one wave: one context, one round slot (pure: no database)."""

from __future__ import annotations

import asyncio

from gateway.live.hub import LiveHub
from gateway.live.limits import SubscriptionLimits
from gateway.live.waves import Wave


def _hub() -> LiveHub:
    return LiveHub(SubscriptionLimits(per_key=10, per_worker=100, rounds_at_once=2))


async def test_a_shared_change_wakes_its_watchers_in_one_wave_a_customers_alone() -> None:
    hub = _hub()
    one, two, other = hub.admit("k"), hub.admit("k"), hub.admit("k")
    hub.watch(one, customers=["a"], promotions=["shared"])
    hub.watch(two, customers=["b"], promotions=["shared"])
    hub.watch(other, customers=["c"], promotions=[])

    hub.apply("p:shared")
    hub.apply("c:c")

    assert one.wave is not None and one.wave is two.wave
    assert other.woken and other.wave is None
    hub.apply("all")
    assert one.wave is two.wave is other.wave is not None


async def test_a_waves_rounds_share_one_context_and_one_slot_until_the_last_leaves() -> None:
    slots = asyncio.Semaphore(2)
    wave = Wave()
    made: list[object] = []

    def fresh() -> object:
        made.append(object())
        return made[-1]

    await wave.enter(slots)
    await wave.enter(slots)
    first, since = wave.shared(fresh, 7)
    second, since_too = wave.shared(fresh, 9)

    assert first is second and len(made) == 1
    assert since == since_too == 7  # reads count from when the shared context was made
    assert slots._value == 1  # one slot for the wave, however many rounds
    wave.leave(slots)
    assert slots._value == 1
    wave.leave(slots)
    assert slots._value == 2 and wave.context is None


async def test_a_wave_waits_for_a_slot_once_for_all_its_rounds() -> None:
    slots = asyncio.Semaphore(1)
    await slots.acquire()  # another round holds the only slot
    wave = Wave()
    entering = [asyncio.create_task(wave.enter(slots)) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in entering)

    slots.release()
    await asyncio.wait_for(asyncio.gather(*entering), 1)

    assert wave.running == 3 and slots.locked()
    for _ in range(3):
        wave.leave(slots)
    assert not slots.locked()
