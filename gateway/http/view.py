"""The GraphQL view: strawberry's ASGI app running one request's operations, and nothing else.

What surrounds it (authentication, limits, the deadline, caches, replica routing, error
translation) are the pieces of ``gateway.http.endpoint``. The view reads the request's state
(``gateway.http.request_state``) to build the context, and resolves persisted queries.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from gateway.auth.keys import KeyVerifier
from gateway.context import Clock, Context, build_context
from gateway.http.answers import FirstPartFirst, JsonAnswer
from gateway.http.delivery import deliver
from gateway.http.incremental import DeferSpecTransport
from gateway.http.media_types import request_error_status
from gateway.http.persisted_queries import PersistedQueries, PersistedQueryError
from gateway.http.request_state import RequestState, request_state
from gateway.ide import Ide
from gateway.operation.assembly import build_schema
from gateway.operation.error_codes import classify
from gateway.settings import Settings

# What a plain JSON POST may carry (``extensions``: persisted queries, through ``run``).
_PLAIN_KEYS = frozenset(("query", "variables", "operationName"))
_PLAIN_OPERATIONS = frozenset((OperationType.QUERY, OperationType.MUTATION))


class GatewayGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI app with our context, orjson encoding, persisted queries, GraphiQL page.

    Example::

        view = GatewayGraphQL(settings, utc_now, persisted_queries=queries, ide=None)
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        persisted_queries: PersistedQueries,
        ide: Ide | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(build_schema(settings), graphql_ide="graphiql" if ide else None)
        self.settings = settings
        self.clock = clock
        self.persisted_queries = persisted_queries
        self.ide = ide
        self.key_verifier = KeyVerifier()

    # @defer / @stream parts in the format Apollo Client and urql read (deferSpec=20220824).
    multipart_transport_class = DeferSpecTransport  # type: ignore[assignment]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run one HTTP request's operations and send the answer; other scopes to strawberry.

        strawberry's HTTP errors are raised on, to ``gateway.http.failures``.
        """
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        state = request_state(scope)
        response: Response | JsonAnswer | None = None
        if scope["method"] == "POST":
            if state.body is None:  # else a piece read it, and ``receive`` replays it
                await state.read_body(receive)
                receive = state.replay(receive)
            request = Request(scope, receive)
            response = await self._plain_post(request, state)
        else:
            request = Request(scope, receive)
        if response is None:
            response = await self.run(request)
        state.streamed = isinstance(response, StreamingResponse)
        await response(scope, receive, send)

    async def _plain_post(
        self, request: Request, state: RequestState
    ) -> JsonAnswer | StreamingResponse | None:
        """The common request answered without strawberry's HTTP handling: one operation as a
        JSON POST, for a client reading JSON or multipart (a deferred answer's parts). None:
        anything else, for strawberry's ``run`` (the body read here stays readable there).

        The answer is the one ``run`` gives: the same context, ``schema.execute``, result
        processing and encoding (tests/http compare the two).
        """
        headers = state.headers
        media_type = headers.content_type.split(";", 1)[0].strip().lower()
        accept = headers.accept
        if (
            media_type != "application/json"
            or "event-stream" in accept
            or self.persisted_queries.only_known
            or state.body is None
        ):
            return None
        data = self.parse_json(state.body)
        if not isinstance(data, dict) or not data.keys() <= _PLAIN_KEYS:
            return None
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        if (
            not isinstance(query, str)
            or not query
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            return None
        context = await self.get_context(request, None)
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=name,
                allowed_operation_types=_PLAIN_OPERATIONS,
            )
        except (CannotGetOperationTypeError, InvalidOperationTypeError):
            return None  # strawberry's run answers these (400, 405), before executing anything
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            result = await deliver(
                result,
                context,
                accept=accept,
                deadline=state.deadline,
                report_round_trips=not self.settings.is_production,
            )
            if isinstance(result, ExperimentalIncrementalExecutionResults):
                return self._multipart(request, result)
        body = await self.process_result(request, result)
        return JsonAnswer(state.request_error_status or 200, self.encode_json(body))

    def _multipart(
        self, request: Request, result: ExperimentalIncrementalExecutionResults
    ) -> StreamingResponse:
        """The parts as strawberry's ``run`` streams them (its formatting, this view's
        transport), for a client that reads multipart."""

        async def data() -> AsyncGenerator[Any, None]:
            pending: list[Any] = []
            part, pending = await self._process_stream_result(
                request, result.initial_result, pending
            )
            yield part
            async for value in result.subsequent_results:
                part, pending = await self._process_stream_result(request, value, pending)
                yield part

        transport = self.multipart_transport_class()
        stream = transport.stream(data, self.encode_json_string)
        return FirstPartFirst(stream(), status_code=200, headers=dict(transport.headers))

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        """strawberry's ``run``; a request error is 4xx for a graphql-response+json client.

        A WebSocket (strawberry's ``__call__`` runs it here too) has no request state: it is
        handed back as it is.
        """
        response = await super().run(request, context, root_value)
        if request.scope["type"] != "http":
            return response
        status = request_state(request.scope).request_error_status
        if status is not None:
            response.status_code = status
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
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            return await deliver(
                result,
                context,
                accept=request.headers.get("accept", ""),
                deadline=request_state(request.scope).deadline,
                report_round_trips=not self.settings.is_production,
            )
        return result

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        """A fresh context (loaders, round-trip counter, clock reading) for this request."""
        state = request_state(request.scope)
        context = build_context(
            state.pool,
            self.settings,
            clock=self.clock,
            request=request if isinstance(request, Request) else None,
            principal=state.principal,
            read_pool=state.read_pool if state.use_replica else state.pool,
            check_replica=state.use_replica,
        )
        state.request_db = context.db  # read by replica routing and at the deadline
        if state.cache_tags is not None:
            context.cache = state.cache_tags
        state.operation_tags = context.cache  # read for Cache-Control
        return context

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; every error carries ``extensions.code``."""
        if result.errors:
            result.errors = [classify(error) for error in result.errors]
            state = request_state(request.scope)
            if state.graphql_response:
                # GraphQL over HTTP: no data entry, and a 4xx, when execution never started.
                status = request_error_status(result.data, result.errors)
                if status is not None:
                    state.request_error_status = status
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
