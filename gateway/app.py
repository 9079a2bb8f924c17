"""The ASGI application: ``create_app(settings)`` wires the pool, /graphql and health routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import asyncpg
import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from gateway import migrations
from gateway.auth.authenticate import authenticate
from gateway.auth.keys import KeyVerifier
from gateway.auth.principal import Principal
from gateway.cache import replica_reads
from gateway.cache.listener import ChangeListener
from gateway.cache.replica_freshness import ReplicaFreshness
from gateway.cache.response_cache import ResponseCache, cache_key
from gateway.cache.tags import CacheTags
from gateway.context import Clock, Context, build_context, utc_now
from gateway.db import UNAVAILABLE_ERRORS, RequestDb, create_pool
from gateway.errors import ErrorCode, GatewayError
from gateway.evaluator.device import use_parser as use_user_agent_parser
from gateway.http.admission import AdmissionMiddleware
from gateway.http.body_limit import BodyLimitMiddleware
from gateway.http.caching import NO_STORE, VARY, Freshness, cache_control
from gateway.http.drain import Drain
from gateway.http.errors import METHOD_NOT_ALLOWED, code_for_status, error_response
from gateway.http.incremental import DeferSpecTransport, accepts_multipart
from gateway.http.media_types import (
    GRAPHQL_RESPONSE_CONTENT_TYPE,
    JSON,
    prefers_graphql_response,
    request_error_status,
)
from gateway.http.middleware import http_middleware
from gateway.http.persisted_queries import (
    AllowListError,
    PersistedQueries,
    PersistedQueryError,
    load_allow_list,
)
from gateway.http.rate_limit import RATE_LIMITED, TokenBuckets, retry_after
from gateway.ide import Ide, graphiql
from gateway.live.admission import exempt_streams
from gateway.live.hub import LiveHub
from gateway.live.lifecycle import RevocationWatch, end_subscriptions_at_sigterm
from gateway.live.limits import SubscriptionLimits
from gateway.live.view import with_live_updates
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import RATE_LIMITED as RATE_LIMITED_REQUESTS
from gateway.observability.request_id import RequestIdMiddleware
from gateway.operation.error_codes import classify
from gateway.operation.incremental import coded_results, whole_answer
from gateway.schema import build_schema
from gateway.settings import Settings, SettingsError, env_name, load_settings

logger = logging.getLogger("gateway")

LISTENER_START_WAIT_S = 5.0


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
        freshness: ReplicaFreshness | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(build_schema(settings), graphql_ide="graphiql" if ide else None)
        self.settings = settings
        self.response_cache = response_cache
        self.freshness = freshness
        self.clock = clock
        self.persisted_queries = persisted_queries
        self.ide = ide
        self.key_verifier = KeyVerifier()
        self.rate_limits = (
            TokenBuckets(settings.rate_limit, settings.rate_limit_bucket)
            if settings.rate_limit is not None
            else None
        )

    # @defer / @stream parts in the format Apollo Client and urql read (deferSpec=20220824).
    multipart_transport_class = DeferSpecTransport  # type: ignore[assignment]

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
        graphql_response = prefers_graphql_response(request.headers.get("accept", ""))
        scope["state"]["graphql_response"] = graphql_response
        scope["state"]["request_error_status"] = None
        timeout_s = self.settings.request_timeout_s
        scope["state"]["deadline"] = asyncio.get_running_loop().time() + timeout_s
        scope["state"]["operation_tags"] = scope["state"]["cached_freshness"] = None
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
            async with asyncio.timeout(timeout_s):
                if self.response_cache is None:
                    response = await self._run_routed(request)
                else:
                    response = await self._run_cached(request, principal, self.response_cache)
        except ClientDisconnect:
            return  # the client left before its request arrived: nobody to answer
        except GatewayError as exc:
            status = 401 if exc.code is ErrorCode.UNAUTHENTICATED else 503
            response = error_response(status, exc.code.value, exc.message)
        except TimeoutError:
            db: RequestDb | None = getattr(request.state, "request_db", None)
            if db is not None:
                db.abandon()  # its loader batches would run on, holding connections
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
        if graphql_response and response.media_type == JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_CONTENT_TYPE
        response.headers["cache-control"] = self._cache_control(request, response)
        if response.headers["cache-control"] != NO_STORE:
            response.headers.add_vary_header(VARY)
        await response(scope, receive, send)

    def _cache_control(self, request: Request, response: Response) -> str:
        """``no-store`` unless a GET answer may be kept (see ``gateway.http.caching``)."""
        if (
            request.method != "GET"
            or response.status_code != 200
            or isinstance(response, StreamingResponse)
            or self.settings.http_max_age <= 0
        ):
            return NO_STORE
        freshness = request.state.cached_freshness
        if freshness is None:
            tags: CacheTags | None = request.state.operation_tags
            if tags is None:
                return NO_STORE
            freshness = Freshness(
                tags.cacheable and tags.ok and tags.operations == 1 and not tags.mutated,
                tags.expires,
            )
        keyed = self.settings.keys_required or "authorization" in request.headers
        return cache_control(
            freshness, now=self.clock(), max_age_s=self.settings.http_max_age, keyed=keyed
        )

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
                request.state.cached_freshness = Freshness(True, entry.valid_until)
                return Response(entry.body, media_type=entry.media_type)
            tags.active = True
        response = await self._run_routed(request)
        tags = request.state.cache_tags  # a request redone on the primary has new tags
        cache.apply_writes(tags)
        if key is not None and isinstance(response, StreamingResponse):
            _store_when_complete(cache, key, tags, response)
        elif key is not None and _storable(tags, response):
            media_type = response.headers.get("content-type", "application/json")
            cache.save(key, tags, bytes(response.body), media_type)
        return response

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        """strawberry's ``run``; a request error is 4xx for a graphql-response+json client."""
        response = await super().run(request, context, root_value)
        status = request.state.request_error_status
        if status is not None:
            response.status_code = status
        return response

    async def _run_routed(self, request: Request) -> Response:
        """``run``, its reads on the replica when that is safe (``gateway.cache.replica_reads``).

        A read request whose replica snapshot does not show a write that concerns its answer is
        run again on the primary; a mutation's writes are remembered for this worker's next
        reads.
        """
        fresh = self.freshness
        if fresh is None:
            return await self.run(request)
        state = request.state
        tags = getattr(state, "cache_tags", None)
        if tags is None:
            tags = state.cache_tags = CacheTags()
        body = await request.body() if request.method == "POST" else b""
        state.use_replica = fresh.ready and not replica_reads.is_batch(body)
        response = await self.run(request)
        if tags.mutated:
            await replica_reads.remember_writes(state.pool, fresh, tags)
            return response
        db = getattr(state, "request_db", None)
        if db is None or replica_reads.answer_stands(fresh, db, tags):
            return response
        state.use_replica = False
        state.cache_tags = replica_reads.restarted(tags)
        return await self.run(request)

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
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            return await self._incremental(request, context, result)
        return result

    async def _incremental(
        self, request: Request, context: Context, result: ExperimentalIncrementalExecutionResults
    ) -> Any:
        """A ``@defer`` / ``@stream`` answer: streamed when the client reads multipart.

        Any other client gets every part merged into one answer: the directives are hints a
        server may ignore, and a plain JSON client then still gets its data.
        """
        report = not self.settings.is_production
        if accepts_multipart(request.headers.get("accept", "")):
            # The parts stream after the request's timeout block: they keep its deadline.
            later = coded_results(
                result, context, deadline=request.state.deadline, report_round_trips=report
            )
            return result._replace(subsequent_results=later)
        return await whole_answer(result, context, report_round_trips=report)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        """A fresh context (loaders, round-trip counter, clock reading) for this request."""
        state = request.state
        pool: asyncpg.Pool = state.pool
        use_replica = self.freshness is None or getattr(state, "use_replica", False)
        context = build_context(
            pool,
            self.settings,
            clock=self.clock,
            request=request if isinstance(request, Request) else None,
            principal=state.principal,
            read_pool=state.read_pool if use_replica else pool,
            check_replica=self.freshness is not None,
        )
        state.request_db = context.db  # read by replica routing and at the deadline
        tags = getattr(state, "cache_tags", None)
        if tags is not None:
            context.cache = tags
        if isinstance(request, Request):
            request.state.operation_tags = context.cache  # read for Cache-Control
        return context

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; every error carries ``extensions.code``."""
        if result.errors:
            result.errors = [classify(error) for error in result.errors]
            if request.state.graphql_response:
                # GraphQL over HTTP: no data entry, and a 4xx, when execution never started.
                status = request_error_status(result.data, result.errors)
                if status is not None:
                    request.state.request_error_status = status
                    body = await super().process_result(request, result)
                    body.pop("data", None)
                    return body
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
        and isinstance(getattr(response, "body", None), bytes | memoryview)
    )


def _store_when_complete(
    cache: ResponseCache, key: bytes, tags: CacheTags, response: StreamingResponse
) -> None:
    """Store a multipart (``@defer`` / ``@stream``) answer once its last part is sent.

    Only a complete answer without errors in any part is stored (the later parts' errors clear
    ``tags.ok``); a hit sends every part at once.
    """
    if response.status_code != 200:
        return
    media_type = response.headers.get("content-type", "")
    chunks = response.body_iterator

    async def saving() -> AsyncIterator[str | bytes | memoryview]:
        sent: list[bytes] = []
        async for chunk in chunks:
            sent.append(chunk.encode() if isinstance(chunk, str) else bytes(chunk))
            yield chunk
        if tags.cacheable and tags.ok and tags.operations == 1:
            cache.save(key, tags, b"".join(sent), media_type)

    response.body_iterator = saving()


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics of this worker (text exposition format)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: not draining, the database answers and every migration is applied."""
    drain: Drain | None = request.app.state.drain
    if drain is not None and drain.draining:
        return JSONResponse({"status": "draining"}, status_code=503)
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
    graphql = with_live_updates(GatewayGraphQL)(
        settings,
        clock,
        persisted_queries=_persisted_queries(settings),
        ide=ide,
        response_cache=response_cache,
        freshness=freshness,
        live_hub=hub,
    )
    app = Starlette(
        routes=[
            # Every method reaches the view, which answers unsupported ones with a coded 405.
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
