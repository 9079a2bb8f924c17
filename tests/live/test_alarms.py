"""One timer for every resting subscription's time-based wake-up (pure: no database)."""

from __future__ import annotations

import asyncio

import pytest

from gateway.live import alarms as alarms_module
from gateway.live.alarms import Alarms


async def test_waiters_ring_at_their_moments_in_order() -> None:
    loop = asyncio.get_running_loop()
    alarms = Alarms()
    rang: list[str] = []
    later, sooner = loop.create_future(), loop.create_future()
    later.add_done_callback(lambda _: rang.append("later"))
    sooner.add_done_callback(lambda _: rang.append("sooner"))
    now = loop.time()

    alarms.at(now + 0.06, later)
    alarms.at(now + 0.02, sooner)  # earlier than the armed timer: re-armed
    await asyncio.wait_for(sooner, 1)
    assert not later.done()
    await asyncio.wait_for(later, 1)

    assert rang == ["sooner", "later"]
    assert len(alarms) == 0


async def test_waiters_woken_before_their_moment_are_swept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    alarms = Alarms()
    monkeypatch.setattr(alarms_module, "SWEEP_AT", 4)
    woken_early = [loop.create_future() for _ in range(4)]
    for waiter in woken_early:
        alarms.at(loop.time() + 3600, waiter)
        waiter.set_result(None)  # a notification came first
    resting = loop.create_future()
    alarms.at(loop.time() + 3600, resting)

    assert len(alarms) == 1
    resting.cancel()
