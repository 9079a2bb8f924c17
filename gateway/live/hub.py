"""The subscribers of one worker, and which change notifications wake which of them."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.errors import GatewayError
from gateway.live.alarms import Alarms
from gateway.live.limits import SubscriptionLimits, too_many
from gateway.live.metrics import OPEN
from gateway.live.waves import Wave

# Above this many changed keys remembered, they are forgotten and counted as one change of all.
MAX_TRACKED = 100_000


@dataclass(eq=False, slots=True)
class Subscriber:
    """One open subscription: what it read last round, and what wakes it.

    ``woken`` is set by a notification that concerns it; ``ending`` when the server ends it,
    with ``error`` sent last (a revoked key) or nothing (a shutdown). A flag and, only while
    it waits, one future: an ``asyncio.Event`` (and its deque) per idle subscriber cost ~0.8 KB.

    >>> sub = Subscriber("key1")
    >>> sub.wake()
    >>> sub.woken
    True
    """

    key_id: str
    woken: bool = False
    watched: tuple[str, ...] = ()
    closed: bool = False
    ending: bool = False
    error: GatewayError | None = None
    # The rounds it was woken with, when one notification woke several (None: alone).
    wave: Wave | None = None
    _waiter: asyncio.Future[None] | None = None

    def wake(self, wave: Wave | None = None) -> None:
        """Run the subscription's operation again (in ``wave``, with the others woken with it)."""
        self.woken = True
        self.wave = wave
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout_s: float | None, alarms: Alarms) -> None:
        """Until woken (at once when it was since ``woken`` was cleared) or ``timeout_s`` passed.

        The hub's ``alarms`` keep the time, not ``asyncio.wait_for`` (a task per wait) or a
        timer per subscriber.
        """
        if self.woken:
            return
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        if timeout_s is not None:
            alarms.at(loop.time() + timeout_s, waiter)
        try:
            await waiter
        finally:
            self._waiter = None


class LiveHub:
    """Every subscriber of this worker, indexed by the customers and promotions it read.

    Notifications are the change listener's (``c:<customer>``, ``p:<promotion>``, ``all``); one
    that concerns no subscriber costs a dictionary lookup.

    >>> hub = LiveHub(SubscriptionLimits(per_key=100, per_worker=10_000))
    >>> sub = hub.admit("key1")
    >>> hub.watch(sub, customers=["demo-b2c"], promotions=[])
    >>> hub.apply("c:demo-b2c")
    >>> sub.woken
    True
    """

    def __init__(self, limits: SubscriptionLimits) -> None:
        self.limits = limits
        # Key -> its one watcher, or a set once several watch it (a customer's key usually has
        # one: a set per key would cost ~0.2 KB per idle subscription).
        self._watchers: dict[str, Subscriber | set[Subscriber]] = {}
        self._all: set[Subscriber] = set()
        self._per_key: Counter[str] = Counter()
        self.closing = False
        # Which keys changed when (like the response cache's generations): a change landing
        # while a round runs, before its subscriber watches what it read, still wakes it.
        self.sequence = 0
        self._changed: dict[str, int] = {}
        self._all_changed = 0
        self._emptied = asyncio.Event()
        # Rounds in flight hold pool connections: at most this many at once.
        self.round_slots = asyncio.Semaphore(limits.rounds_at_once)
        self._idle: Any = None
        self.alarms = Alarms()

    def idle_context(self, fresh: Callable[[Principal], Any]) -> Any:
        """One context every resting subscription points at (never used to read anything)."""
        if self._idle is None:
            self._idle = fresh(DEVELOPMENT)
        return self._idle

    def __len__(self) -> int:
        return len(self._all)

    def admit(self, key_id: str) -> Subscriber:
        """A new subscriber for ``key_id``; TOO_MANY_SUBSCRIPTIONS past a limit, or when closing."""
        if self.closing:
            raise too_many("the server is shutting down; reconnect to another instance")
        if len(self._all) >= self.limits.per_worker:
            raise too_many(f"this worker serves {self.limits.per_worker} subscriptions already")
        if self._per_key[key_id] >= self.limits.per_key:
            raise too_many(f"this API key has {self.limits.per_key} subscriptions open already")
        self._emptied.clear()
        subscriber = Subscriber(key_id)
        self._all.add(subscriber)
        self._per_key[key_id] += 1
        OPEN.inc()
        return subscriber

    def release(self, subscriber: Subscriber) -> None:
        """Forget a subscriber whose subscription ended."""
        if subscriber.closed:
            return
        subscriber.closed = True
        self._unwatch(subscriber)
        self._all.discard(subscriber)
        self._per_key[subscriber.key_id] -= 1
        if self._per_key[subscriber.key_id] <= 0:
            del self._per_key[subscriber.key_id]
        OPEN.dec()
        if not self._all:
            self._emptied.set()

    def watch(
        self, subscriber: Subscriber, *, customers: Iterable[str], promotions: Iterable[str]
    ) -> None:
        """Wake ``subscriber`` on changes of these customers and promotions (replaces the last)."""
        self._unwatch(subscriber)
        # Interned: a promotion every subscriber shows is one string, not one per subscriber.
        keys = tuple(
            sys.intern(key)
            for key in (*(f"c:{c}" for c in customers), *(f"p:{p}" for p in promotions))
        )
        subscriber.watched = keys
        for key in keys:
            present = self._watchers.get(key)
            if present is None:
                self._watchers[key] = subscriber
            elif isinstance(present, set):
                present.add(subscriber)
            elif present is not subscriber:
                self._watchers[key] = {present, subscriber}

    def _unwatch(self, subscriber: Subscriber) -> None:
        for key in subscriber.watched:
            present = self._watchers.get(key)
            if present is subscriber:
                del self._watchers[key]
            elif isinstance(present, set):
                present.discard(subscriber)
                if len(present) == 1:
                    self._watchers[key] = next(iter(present))
        subscriber.watched = ()

    def apply(self, change: str | None) -> None:
        """One notification without its ``<xid>/`` prefix; None or an unknown kind wakes all.

        The listener passes None when it (re)connects: notifications may have been lost.
        """
        self.sequence += 1
        if change is not None:
            kind, _, key = change.partition(":")
            if kind in ("c", "p") and key:
                if len(self._changed) >= MAX_TRACKED:
                    self._changed.clear()
                    self._all_changed = self.sequence
                self._changed[change] = self.sequence
                present = self._watchers.get(change)
                if isinstance(present, Subscriber):
                    present.wake()
                elif present is not None:
                    wave = Wave()
                    for subscriber in present:
                        subscriber.wake(wave)
                return
        self._all_changed = self.sequence
        self.wake_all()

    def changed_since(self, sequence: int, keys: Iterable[str]) -> bool:
        """True when any of ``keys`` (or everything) changed after ``sequence`` was read."""
        if self._all_changed > sequence:
            return True
        return any(self._changed.get(key, 0) > sequence for key in keys)

    def wake_all(self) -> None:
        """Every subscriber runs its operation again, all in one wave (a catalog change)."""
        wave = Wave()
        for subscriber in self._all:
            subscriber.wake(wave)

    def key_ids(self) -> list[str]:
        """The API keys with a subscription open."""
        return list(self._per_key)

    def end(self, key_ids: Iterable[str], error: GatewayError | None) -> int:
        """End the subscriptions of these keys (with ``error``, or cleanly); how many ended."""
        wanted = set(key_ids)
        ended = 0
        for subscriber in self._all:
            if subscriber.key_id in wanted and not subscriber.ending:
                subscriber.ending = True
                subscriber.error = error
                subscriber.wake()
                ended += 1
        return ended

    def close(self) -> None:
        """End every subscription cleanly and admit no new one (SIGTERM)."""
        self.closing = True
        self.end(self.key_ids(), None)

    async def wait_empty(self, timeout_s: float) -> bool:
        """Until no subscription is open (True) or ``timeout_s`` passed (False)."""
        if not self._all:
            return True
        try:
            await asyncio.wait_for(self._emptied.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
