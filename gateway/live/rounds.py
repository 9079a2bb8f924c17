"""The loop a subscription resolver runs: a round, a wait for what may change its answer, again."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

from gateway.context import Clock, Context
from gateway.live.alarms import Alarms
from gateway.live.context import LiveContext, live_context
from gateway.live.hub import Subscriber
from gateway.live.metrics import ROUNDS

# A time-based wake-up runs this long after the moment itself, so the round sees the change.
WAKE_MARGIN_S = 0.01


async def rounds(info_context: Context) -> AsyncGenerator[LiveContext, None]:
    """Yield the renewed context once per round; the resolver computes its root value with it.

    The first round runs at once. The next runs when a notification concerns a customer or
    promotion the last round read, when everything may have changed, or at the moment its
    answer changes by time alone (the earliest ``valid_until`` it recorded). Between rounds the
    subscription's answer was sent (graphql-core resolves each value before asking for the
    next), so what the round read is complete.

    Example (a subscription resolver)::

        async for ctx in rounds(info.context):
            yield await personalized_offers(ctx, customer_id, request)
    """
    ctx = live_context(info_context)
    session = ctx.session()
    hub = session.hub
    subscriber = hub.admit(ctx.principal.key_id)
    session.subscriber = subscriber
    try:
        while not subscriber.ending:
            # The slot is given back when the round's answer is complete (``changed_only``
            # receives it), not when it is sent: a slow client holds no slot.
            # Woken with others by one notification: a round of their wave (shared loaders).
            await session.take_slot(subscriber.wave)
            try:
                wave = session.wave
                subscriber.woken, subscriber.wave = False, None
                started = ctx.renew(wave)
                del wave
                ROUNDS.inc()
                yield ctx
            finally:
                session.give_slot()
            tags = ctx.cache
            hub.watch(subscriber, customers=tags.customers, promotions=tags.promotions)
            expires = tags.expires
            ctx.rest()
            del tags
            if hub.changed_since(started, subscriber.watched):
                continue
            await _wait(subscriber, expires, session.clock, hub.alarms)
        if subscriber.error is not None:
            raise subscriber.error
    finally:
        hub.release(subscriber)


async def _wait(
    subscriber: Subscriber, expires: datetime | None, clock: Clock, alarms: Alarms
) -> None:
    """Until a notification wakes ``subscriber`` or ``expires`` passes."""
    timeout = None
    if expires is not None:
        timeout = max(0.0, (expires - clock()).total_seconds()) + WAKE_MARGIN_S
    await subscriber.wait(timeout, alarms)
