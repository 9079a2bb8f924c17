"""A subscription's context: a request context renewed for every round of its operation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import asyncpg
from graphql import GraphQLError

from gateway.auth.principal import Principal
from gateway.cache.tags import CacheTags
from gateway.context import Clock, Context
from gateway.live.hub import LiveHub, Subscriber
from gateway.live.waves import Wave

# Rebuilt every round: what one request would get fresh (its principal and request stay).
_RENEWED = tuple(f.name for f in fields(Context) if f.name not in ("principal", "request"))


@dataclass(slots=True)
class LiveSession:
    """What a subscription needs beyond a request's context: the hub, and fresh contexts."""

    hub: LiveHub
    pool: asyncpg.Pool
    fresh: Callable[[Principal], Context]
    clock: Clock
    # A WebSocket upgrade's Authorization header (used when connection_init carries no key).
    authorization: str | None = None
    subscriber: Subscriber | None = None
    holds_slot: bool = False
    # The wave whose slot this round shares (None: a slot of its own).
    wave: Wave | None = None

    async def take_slot(self, wave: Wave | None = None) -> None:
        """Wait for one of the hub's round slots (a round holds pool connections), or join
        ``wave``, whose rounds share one."""
        if wave is None:
            await self.hub.round_slots.acquire()
        else:
            await wave.enter(self.hub.round_slots)
        self.wave = wave
        self.holds_slot = True

    def give_slot(self) -> None:
        """Give the slot back once the round's answer is complete (idempotent)."""
        if self.holds_slot:
            self.holds_slot = False
            wave, self.wave = self.wave, None
            if wave is None:
                self.hub.round_slots.release()
            else:
                wave.leave(self.hub.round_slots)


@dataclass
class LiveContext(Context):
    """``info.context`` of a subscription: a Context whose request state is renewed per round.

    Fields of the subscription's objects resolve after each round's root value is yielded, with
    this same object: renewing it in place gives them the round's loaders and clock reading.
    """

    live: LiveSession | None = None
    # graphql-transport-ws: the ``connection_init`` payload (strawberry sets it).
    connection_params: dict[str, object] | None = None

    @classmethod
    def wrap(cls, ctx: Context, session: LiveSession) -> LiveContext:
        """A live context starting as a copy of ``ctx``."""
        return cls(**{f.name: getattr(ctx, f.name) for f in fields(Context)}, live=session)

    def for_operation(self) -> LiveContext:
        """A context of its own for one operation on this connection (same principal)."""
        session = self.session()
        return LiveContext.wrap(
            self, LiveSession(session.hub, session.pool, session.fresh, session.clock)
        )

    def renew(self, wave: Wave | None = None) -> int:
        """A fresh round: new loaders, database access, clock reading and cache tags.

        In a ``wave`` the loaders, database access and clock reading are the wave's (the cache
        tags stay the round's own). Returns the hub's sequence the round's reads are at least
        as recent as: now, or when the wave's context was made.
        """
        session = self.session()
        principal = self.principal
        sequence = session.hub.sequence
        if wave is None:
            fresh = session.fresh(principal)
        else:
            fresh, sequence = wave.shared(lambda: session.fresh(principal), sequence)
        for name in _RENEWED:
            setattr(self, name, getattr(fresh, name))
        if wave is not None:
            self.cache = CacheTags()
        return sequence

    def rest(self) -> None:
        """Between rounds: drop the last round's loaders and database access (memory).

        An idle subscription keeps only what the next round needs: its principal, its session.
        """
        idle = self.session().hub.idle_context(self.session().fresh)
        for name in _RENEWED:
            setattr(self, name, getattr(idle, name))

    def session(self) -> LiveSession:
        """The subscription's session (an error outside a subscription transport)."""
        if self.live is None:
            raise GraphQLError("subscriptions are served over graphql-transport-ws or SSE only")
        return self.live


def live_context(ctx: Context) -> LiveContext:
    """``ctx`` as a LiveContext; a GraphQL error when the transport gave a plain one."""
    if not isinstance(ctx, LiveContext):
        raise GraphQLError("subscriptions are served over graphql-transport-ws or SSE only")
    return ctx
