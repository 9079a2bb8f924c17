"""Replica routing around one request (the rules: ``gateway.db.replica_reads``).

A read request reads the replica while the change listener is up. When its answer is ready
(the response starts), an answer whose replica snapshot does not show a write that concerns it
is dropped unsent and the request runs again on the primary; a mutation's writes are remembered
for this worker's next reads.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.cache.tags import CacheTags
from gateway.db import replica_reads
from gateway.db.freshness import ReplicaFreshness
from gateway.http.request_state import request_state


class _Redo(Exception):
    """The replica's answer does not stand: raised through the first run, unsent."""


class ReplicaRouting:
    """Sends reads to the replica, and runs a request again on the primary when it must.

    Example::

        app = ReplicaRouting(app, freshness)
    """

    def __init__(self, app: ASGIApp, freshness: ReplicaFreshness) -> None:
        self.app = app
        self.freshness = freshness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        fresh = self.freshness
        first_tags = state.cache_tags
        if first_tags is None:
            first_tags = state.cache_tags = CacheTags()
        body = await state.read_body(receive) if scope["method"] == "POST" else b""
        state.use_replica = replica_reads.reads_replica(fresh, body)
        decided = False

        async def checked(message: Message) -> None:
            nonlocal decided
            if message["type"] == "http.response.start" and not decided:
                decided = True
                tags = state.cache_tags
                assert tags is not None
                db = state.request_db
                if tags.mutated:
                    await replica_reads.remember_writes(state.pool, fresh, tags)
                elif db is not None and not replica_reads.answer_stands(fresh, db, tags):
                    raise _Redo
            await send(message)

        try:
            await self.app(scope, state.replay(receive), checked)
        except _Redo:
            state.use_replica = False
            state.cache_tags = first_tags.restarted()
            await self.app(scope, state.replay(receive), send)
