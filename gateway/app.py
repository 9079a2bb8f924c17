"""The ASGI application: ``create_app(settings)`` wires the pool, /graphql and health routes."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import asyncpg
import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from gateway import migrations
from gateway.auth.authenticate import authenticate
from gateway.auth.keys import KeyVerifier
from gateway.auth.principal import Principal
from gateway.cache.listener import ChangeListener
from gateway.cache.response_cache import ResponseCache, cache_key
from gateway.cache.tags import CacheTags
from gateway.context import Clock, Context, build_context, utc_now
from gateway.db import UNAVAILABLE_ERRORS, create_pool
from gateway.errors import ErrorCode, GatewayError
from gateway.evaluator.device import use_parser as use_user_agent_parser
from gateway.http.admission import AdmissionMiddleware
from gateway.http.body_limit import BodyLimitMiddleware
from gateway.http.errors import METHOD_NOT_ALLOWED, code_for_status, error_response
from gateway.http.middleware import http_middleware
from gateway.http.persisted_queries import (
    AllowListError,
    PersistedQueries,
    PersistedQueryError,
    load_allow_list,
)
from gateway.http.rate_limit import RATE_LIMITED, TokenBuckets, retry_after
from gateway.ide import Ide, graphiql
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import RATE_LIMITED as RATE_LIMITED_REQUESTS
from gateway.observability.request_id import RequestIdMiddleware
from gateway.operation.error_codes import classify
from gateway.schema import build_schema
from gateway.settings import Settings, SettingsError, env_name, load_settings

logger = logging.getLogger("gateway")


class State(TypedDict):
    """What the lifespan hands to every request (``request.state``)."""

    pool: asyncpg.Pool
    read_pool: asyncpg.Pool  # the replica's, or the same pool


class GatewayGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI app with our context, orjson encoding, persisted queries, GraphiQL page.

    HTTP-level failures (bad JSON, a mutation over GET, ...) are answered as GraphQL-shaped JSON
    errors with an ``extensions.code``, like every other error.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        persisted_queries: PersistedQueries,
        ide: Ide | None,
        response_cache: ResponseCache | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(build_schema(settings), graphql_ide="graphiql" if ide else None)
        self.settings = settings
        self.response_cache = response_cache
        self.clock = clock
        self.persisted_queries = persisted_queries
        self.ide = ide
        self.key_verifier = KeyVerifier()
        self.rate_limits = (
            TokenBuckets(settings.rate_limit, settings.rate_limit_bucket)
            if settings.rate_limit is not None
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; strawberry's plain-text HTTP errors become coded JSON errors."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if self.graphql_ide and self.should_render_graphql_ide(self.request_adapter_class(request)):
            # The page itself is public (its operations are not): the key is entered in it.
            page = await self.render_graphql_ide(request)
            await page(scope, receive, send)
            return
        try:
            scope["state"]["principal"] = principal = await authenticate(
                request.headers.get("authorization"),
                require_key=self.settings.keys_required,
                verifier=self.key_verifier,
                pool=request.state.pool,
            )
            if self.rate_limits is not None:
                wait_s = self.rate_limits.take(principal.key_id)
                if wait_s:
                    await self._refuse_rate_limited(wait_s, scope, receive, send)
                    return
            async with asyncio.timeout(self.settings.request_timeout_s):
                if self.response_cache is None:
                    response = await self.run(request)
                else:
                    response = await self._run_cached(request, principal, self.response_cache)
        except ClientDisconnect:
            return  # the client left before its request arrived: nobody to answer
        except GatewayError as exc:
            status = 401 if exc.code is ErrorCode.UNAUTHENTICATED else 503
            response = error_response(status, exc.code.value, exc.message)
        except TimeoutError:
            message = f"request: not done within {self.settings.request_timeout_s} s"
            response = error_response(504, ErrorCode.TIMEOUT.value, message)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                # GraphQL over HTTP: an operation the method cannot carry is 405, POST allowed.
                response = error_response(
                    405, METHOD_NOT_ALLOWED, exc.reason, headers={"Allow": "POST"}
                )
            else:
                response = error_response(
                    exc.status_code, code_for_status(exc.status_code), exc.reason
                )
        await response(scope, receive, send)

    @staticmethod
    async def _refuse_rate_limited(
        wait_s: float, scope: Scope, receive: Receive, send: Send
    ) -> None:
        RATE_LIMITED_REQUESTS.inc()
        message = "this API key is over its rate limit; retry after the Retry-After delay"
        response = error_response(
            429, RATE_LIMITED, message, headers={"Retry-After": retry_after(wait_s)}
        )
        await response(scope, receive, send)

    async def _run_cached(
        self, request: Request, principal: Principal, cache: ResponseCache
    ) -> Response:
        """``run``, answered from the response cache when a valid answer is stored.

        Generations are read before anything else (``cache.begin``): a change landing while
        the operation runs keeps its answer out of the cache. This worker's own writes move the
        generations before the response is sent.
        """
        tags = request.state.cache_tags = cache.begin()
        key = None
        if cache.enabled and request.method in ("GET", "POST"):
            payload = await request.body() if request.method == "POST" else request.url.query
            key = cache_key(
                request.method,
                payload if isinstance(payload, bytes) else payload.encode(),
                principal,
                "\x00".join(
                    (
                        self.settings.env,
                        request.headers.get("content-type", ""),
                        request.headers.get("accept", ""),
                    )
                ),
            )
            entry = cache.lookup(key, self.clock())
            if entry is not None:
                return Response(entry.body, media_type=entry.media_type)
            tags.active = True
        response = await self.run(request)
        cache.apply_writes(tags)
        if key is not None and _storable(tags, response):
            media_type = response.headers.get("content-type", "application/json")
            cache.save(key, tags, bytes(response.body), media_type)
        return response

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser GET, but not for a GET carrying a persisted query's hash."""
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """The GraphiQL page (local assets when installed, see ``gateway.ide``)."""
        return HTMLResponse(self.ide.page() if self.ide else "")

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run one operation, its text resolved from a persisted-query hash when one is sent."""
        if request_data.extensions is not None or self.persisted_queries.only_known:
            try:
                request_data.query = self.persisted_queries.resolve(
                    request_data.query, request_data.extensions
                )
            except PersistedQueryError as exc:
                error = GraphQLError(exc.message, extensions={"code": exc.code})
                return ExecutionResult(data=None, errors=[error])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        """A fresh context (loaders, round-trip counter, clock reading) for this request."""
        pool: asyncpg.Pool = request.state.pool
        context = build_context(
            pool,
            self.settings,
            clock=self.clock,
            request=request if isinstance(request, Request) else None,
            principal=request.state.principal,
            read_pool=request.state.read_pool,
        )
        tags = getattr(request.state, "cache_tags", None)
        if tags is not None:
            context.cache = tags
        return context

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; every error carries ``extensions.code``."""
        if result.errors:
            result.errors = [classify(error) for error in result.errors]
        return await super().process_result(request, result)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body (or GET ``variables``): strict JSON holding an object or a batch list.

        orjson refuses invalid UTF-8, NaN and nesting beyond 1024 levels with a JSONDecodeError
        (the stdlib raised UnicodeDecodeError or RecursionError: 500s); a body of another type
        (``null``, ``5``) is refused here, before strawberry reads members from it. So is a NUL
        character anywhere (``\\u0000``): PostgreSQL text cannot hold it, so no input may carry it.
        """
        nul = b"\\u0000" in data if isinstance(data, bytes) else "\\u0000" in data
        if nul:
            raise HTTPException(400, "JSON: NUL characters (\\u0000) are not accepted")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict | list):
            raise HTTPException(400, "JSON: expected an object")
        return value

    def encode_json(self, data: object) -> bytes:
        """Encode responses with orjson (datetimes, dataclasses and bytes-fast)."""
        return orjson.dumps(data)


def _storable(tags: CacheTags, response: Response) -> bool:
    """One cacheable query operation, answered 200 without errors."""
    return (
        tags.cacheable
        and tags.ok
        and tags.operations == 1
        and response.status_code == 200
        and isinstance(response.body, bytes | memoryview)
    )


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics of this worker (text exposition format)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: the database answers and every migration is applied."""
    pool: asyncpg.Pool = request.state.pool
    try:
        async with pool.acquire(timeout=2) as conn:
            missing = await migrations.pending(conn)
    except UNAVAILABLE_ERRORS:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if missing:
        return JSONResponse(
            {"status": "unavailable", "pendingMigrations": missing}, status_code=503
        )
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings, *, clock: Clock = utc_now, dsn: str | None = None) -> Starlette:
    """The gateway as an ASGI app; its lifespan opens and closes the pool.

    ``dsn`` defaults to ``settings.database_url`` (``serve`` sets it to the embedded server's).

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
        try:
            if settings.database_read_url:
                read_pool = await create_pool(settings.database_read_url, settings)
            if response_cache is not None:
                listener = ChangeListener(database_url, response_cache)
                listener.start()
            yield {"pool": pool, "read_pool": read_pool}
        finally:
            if listener is not None:
                await listener.stop()
            if read_pool is not pool:
                await read_pool.close()
            await pool.close()

    ide = None if settings.is_production else graphiql(settings)
    graphql = GatewayGraphQL(
        settings,
        clock,
        persisted_queries=_persisted_queries(settings),
        ide=ide,
        response_cache=response_cache,
    )
    app = Starlette(
        routes=[
            # Every method reaches the view, which answers unsupported ones with a coded 405.
            Route("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            *(ide.routes if ide else ()),
        ],
        middleware=[
            # First: a refused request costs as little as possible.
            *admission_middleware(settings),
            Middleware(RequestIdMiddleware),
            *http_middleware(settings),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.response_cache = response_cache  # None when off; inspected by tests and tools
    return app


def admission_middleware(settings: Settings) -> list[Middleware]:
    """The bound on requests in flight, when there is one."""
    if settings.in_flight_bound == 0:
        return []
    return [Middleware(AdmissionMiddleware, limit=settings.in_flight_bound)]


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
    app = create_app(settings)
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
