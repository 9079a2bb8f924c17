"""The ASGI application: ``create_app(settings)`` wires the pool, /graphql and health routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from gateway.cache.listener import ChangeListener
from gateway.cache.response_cache import ResponseCache
from gateway.context import Clock, utc_now
from gateway.db import create_pool
from gateway.db.freshness import ReplicaFreshness
from gateway.evaluator.device import use_parser as use_user_agent_parser
from gateway.http.admission import AdmissionMiddleware
from gateway.http.body_limit import BodyLimitMiddleware
from gateway.http.drain import Drain
from gateway.http.endpoint import graphql_endpoint
from gateway.http.graphql_route import GraphQLRoute
from gateway.http.health import healthz, metrics_endpoint, readyz
from gateway.http.middleware import http_middleware
from gateway.http.persisted_queries import AllowListError, PersistedQueries, load_allow_list
from gateway.http.subscriptions.admission import exempt_streams
from gateway.http.subscriptions.view import with_live_updates
from gateway.http.view import GatewayGraphQL
from gateway.ide import graphiql
from gateway.live.hub import LiveHub
from gateway.live.lifecycle import RevocationWatch, end_subscriptions_at_sigterm
from gateway.live.limits import SubscriptionLimits
from gateway.observability.logs import configure_logging
from gateway.observability.request_id import RequestIdMiddleware
from gateway.settings import Settings, SettingsError, env_name, load_settings

logger = logging.getLogger("gateway")

LISTENER_START_WAIT_S = 5.0


class State(TypedDict):
    """What the lifespan hands to every request (``request.state``)."""

    pool: asyncpg.Pool
    read_pool: asyncpg.Pool  # the replica's, or the same pool


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    dsn: str | None = None,
    drain_on_sigterm: bool = False,
) -> Starlette:
    """The gateway as an ASGI app; its lifespan opens and closes the pool.

    ``dsn`` defaults to ``settings.database_url`` (``serve`` sets it to the embedded server's).
    ``drain_on_sigterm``: a serving worker drains before it stops (``gateway.http.drain``).

    >>> app = create_app(load_settings(database_url="postgresql://postgres@127.0.0.1/test"))
    """
    database_url = dsn or settings.database_url
    if not database_url:
        raise ValueError(f"{env_name('database_url')} is required to create the app")

    use_user_agent_parser(settings.user_agent_parser)
    entries = settings.response_cache_entries
    response_cache = (
        ResponseCache(entries, settings.response_cache_max_bytes) if entries > 0 else None
    )
    freshness = ReplicaFreshness() if settings.database_read_url else None
    drain = Drain(settings.drain_seconds) if drain_on_sigterm else None
    hub = live_hub(settings)
    direct_url = settings.database_direct_url or database_url

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        if not settings.keys_required:
            logger.warning(
                "DEVELOPMENT MODE: requests without an API key may read and write every brand. "
                "Never expose this beyond loopback; set GATEWAY_ENV=production for real traffic."
            )
        pool = await create_pool(database_url, settings)
        read_pool = pool
        listener = None
        revocations = None
        try:
            if settings.database_read_url:
                read_pool = await create_pool(settings.database_read_url, settings)
            if response_cache is not None or freshness is not None or hub is not None:
                listener = ChangeListener(
                    direct_url,
                    response_cache,
                    freshness=freshness,
                    on_change=hub.apply if hub is not None else None,
                )
                listener.start()
                # Serve once listening (or after a few seconds: until then the cache is off
                # and reads go to the primary, which is safe).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(listener.connected.wait(), LISTENER_START_WAIT_S)
            if hub is not None:
                revocations = RevocationWatch(hub, pool)
                revocations.start()
                if drain is not None:
                    end_subscriptions_at_sigterm(hub)  # before the drain, which delays it
            if drain is not None:
                drain.install()
            yield {"pool": pool, "read_pool": read_pool}
        finally:
            if revocations is not None:
                await revocations.stop()
            if listener is not None:
                await listener.stop()
            if read_pool is not pool:
                await read_pool.close()
            await pool.close()

    ide = None if settings.is_production else graphiql(settings)
    view = with_live_updates(GatewayGraphQL)(
        settings, clock, persisted_queries=_persisted_queries(settings), ide=ide, live_hub=hub
    )
    graphql = graphql_endpoint(
        view, settings, clock, response_cache=response_cache, freshness=freshness
    )
    app = Starlette(
        routes=[
            # Every method reaches the endpoint; an unsupported one is a coded 405
            # (gateway.http.failures).
            Route("/graphql", graphql),
            *([WebSocketRoute("/graphql", graphql)] if hub is not None else []),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            *(ide.routes if ide else ()),
        ],
        middleware=[
            # First: a refused request costs as little as possible.
            *exempt_streams(admission_middleware(settings)),
            Middleware(RequestIdMiddleware),
            *http_middleware(settings),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(GraphQLRoute, endpoint=graphql),
        ],
        lifespan=lifespan,
    )
    app.state.response_cache = response_cache  # None when off; inspected by tests and tools
    app.state.freshness = freshness  # None without a replica; inspected by tests and tools
    app.state.drain = drain
    app.state.live_hub = hub  # None when subscriptions are off; inspected by tests and tools
    return app


def live_hub(settings: Settings) -> LiveHub | None:
    """The subscribers' hub, when subscriptions are on."""
    if not settings.subscriptions:
        return None
    limits = SubscriptionLimits(
        settings.subscriptions_per_key,
        settings.subscriptions_per_worker,
        rounds_at_once=settings.pool_max_size,
    )
    return LiveHub(limits)


def admission_middleware(settings: Settings) -> list[Middleware]:
    """The bound on requests in flight (its short queue, its paced refusals), when there is one."""
    if settings.in_flight_bound == 0:
        return []
    return [
        Middleware(
            AdmissionMiddleware,
            limit=settings.in_flight_bound,
            queue=settings.admission_queue,
            queue_wait_s=settings.admission_queue_wait_ms / 1000,
            refusal_delay_s=settings.refusal_delay_ms / 1000,
            target_lag_s=settings.admission_target_lag_ms / 1000,
        )
    ]


def _persisted_queries(settings: Settings) -> PersistedQueries:
    known: dict[str, str] = {}
    if settings.persisted_queries_file is not None:
        try:
            known = load_allow_list(settings.persisted_queries_file)
        except AllowListError as exc:
            name = env_name("persisted_queries_file")
            raise SettingsError(f"Setting '{name}' is invalid: {exc}") from None
    return PersistedQueries(
        max_size=settings.persisted_queries_cache_size,
        known=known,
        only_known=settings.persisted_queries_only,
    )


def app_from_environment() -> Starlette:
    """Factory for uvicorn workers: settings from the environment (``serve`` sets DATABASE_URL)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, production=settings.is_production)
    app = create_app(settings, drain_on_sigterm=True)
    if settings.gc_young_threshold:
        tune_garbage_collector(settings.gc_young_threshold)
    return app


def tune_garbage_collector(young_threshold: int) -> None:
    """Collect less often, and never walk what the worker built before serving.

    A cart answer allocates thousands of short-lived objects, and with CPython's default (a
    young-generation collection every 700 allocations, full ones walking every imported module's
    objects) 50 requests in flight spent about a third of the worker's time collecting (cart
    answers under load: 155 → 227 rps, RSS 160 → 185 MB). The older generations keep CPython's
    ratios (10, 10): larger ones let cyclic garbage pile up (RSS 366 MB in a full bench run). The
    modules, schema and settings live as long as the worker: ``gc.freeze`` moves them out of
    every collection.
    """
    gc.freeze()
    gc.set_threshold(young_threshold, 10, 10)
