"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from starlette.requests import Request

from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.cache.tags import CacheTags
from gateway.db import RequestDb
from gateway.loaders import Loaders
from gateway.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


@dataclass
class Context:
    """What one GraphQL request may use: its database access, its loaders, the time it started.

    Built fresh for every request (``build_context``): loaders cache per request only.
    """

    settings: Settings
    db: RequestDb
    loaders: Loaders
    now: datetime
    request: Request | None = None
    # Who the request acts as (its API key's principal); development without a key may do anything.
    principal: Principal = DEVELOPMENT
    # What the request read, for the response cache; inert outside the HTTP app.
    cache: CacheTags = field(default_factory=CacheTags)


def build_context(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    clock: Clock = utc_now,
    request: Request | None = None,
    principal: Principal = DEVELOPMENT,
    read_pool: asyncpg.Pool | None = None,
    check_replica: bool = False,
) -> Context:
    """A fresh context: new round-trip counter, new loaders, ``now`` read once from ``clock``.

    Example::

        ctx = build_context(pool, settings)
        await schema.execute(QUERY, context_value=ctx)
    """
    db = RequestDb(
        pool, settings.pool_acquire_timeout_s, read_pool=read_pool, check_replica=check_replica
    )
    now = clock()
    return Context(
        settings=settings,
        db=db,
        loaders=Loaders.build(db, now),
        now=now,
        request=request,
        principal=principal,
    )
