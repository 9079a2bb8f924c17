"""The loop a subscription resolver runs: a round, a wait for what may change its answer, again."""

from __future__ import annotations

from datetime import datetime

from gateway.context import Clock, Context
from gateway.live.alarms import Alarms
from gateway.live.context import LiveContext, LiveSession, live_context
from gateway.live.hub import Subscriber
from gateway.live.metrics import ROUNDS

# A time-based wake-up runs this long after the moment itself, so the round sees the change.
WAKE_MARGIN_S = 0.01


class rounds:  # lower case: called as the async generator it replaced was
    """Yield the renewed context once per round; the resolver computes its root value with it.

    The first round runs at once. The next runs when a notification concerns a customer or
    promotion the last round read, when everything may have changed, or at the moment its
    answer changes by time alone (the earliest ``valid_until`` it recorded). Between rounds the
    subscription's answer was sent (graphql-core resolves each value before asking for the
    next), so what the round read is complete.

    An async iterator with ``aclose`` (close it, e.g. with ``contextlib.aclosing``): a class,
    not an async generator, because a resting subscription keeps it (a generator's frame and
    its finalizer registration cost ~0.5 KB more per subscription).

    Example (a subscription resolver)::

        async with aclosing(rounds(info.context)) as live:
            async for ctx in live:
                yield await personalized_offers(ctx, customer_id, request)
    """

    __slots__ = ("_closed", "_ctx", "_in_round", "_session", "_started", "_subscriber")

    def __init__(self, info_context: Context) -> None:
        self._ctx = live_context(info_context)
        self._session: LiveSession = self._ctx.session()
        self._subscriber: Subscriber | None = None
        self._started = 0
        self._in_round = False
        self._closed = False

    def __aiter__(self) -> rounds:
        return self

    async def __anext__(self) -> LiveContext:
        """The next round's context, once something may have changed its answer."""
        if self._closed:
            raise StopAsyncIteration
        session, ctx = self._session, self._ctx
        hub = session.hub
        subscriber = self._subscriber
        if subscriber is None:
            subscriber = self._subscriber = hub.admit(ctx.principal.key_id)
            session.subscriber = subscriber
        elif self._in_round:
            changed, expires = self._end_round(subscriber)
            if not changed:
                await _wait(subscriber, expires, session.clock, hub.alarms)
        if not subscriber.ending:
            # The slot is given back when the round's answer is complete (``changed_only``
            # receives it), not when it is sent: a slow client holds no slot. Woken with others
            # by one notification: a round of their wave (shared loaders, one slot).
            await session.take_slot(subscriber.wave)
            self._in_round = True
            wave = session.wave
            subscriber.woken, subscriber.wave = False, None
            self._started = ctx.renew(wave)
            ROUNDS.inc()
            return ctx
        error = subscriber.error
        await self.aclose()
        if error is not None:
            raise error
        raise StopAsyncIteration

    def _end_round(self, subscriber: Subscriber) -> tuple[bool, datetime | None]:
        """The last round's answer was sent: watch what it read and rest. Whether it changed
        meanwhile, and when its answer changes by time alone."""
        session, ctx, hub = self._session, self._ctx, self._session.hub
        self._in_round = False
        session.give_slot()
        tags = ctx.cache
        hub.watch(subscriber, customers=tags.customers, promotions=tags.promotions)
        expires = tags.expires
        ctx.rest()
        return hub.changed_since(self._started, subscriber.watched), expires

    async def aclose(self) -> None:
        """End the subscription's rounds: its slot given back, its subscriber released."""
        if self._closed:
            return
        self._closed = True
        if self._in_round:
            self._in_round = False
            self._session.give_slot()
        if self._subscriber is not None:
            self._session.hub.release(self._subscriber)


async def _wait(
    subscriber: Subscriber, expires: datetime | None, clock: Clock, alarms: Alarms
) -> None:
    """Until a notification wakes ``subscriber`` or ``expires`` passes."""
    timeout = None
    if expires is not None:
        timeout = max(0.0, (expires - clock()).total_seconds()) + WAKE_MARGIN_S
    await subscriber.wait(timeout, alarms)
