"""What the GraphQL view needs for subscriptions: WebSocket authentication, contexts, SSE."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import asyncpg
from cross_web import HTTPException
from graphql import GraphQLError, get_operation_ast
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.streaming import HTTPStreamTransport
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gateway.auth.authenticate import authenticate
from gateway.auth.keys import KeyVerifier
from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.context import Clock, Context, build_context
from gateway.errors import GatewayError
from gateway.http.middleware import origin_allowed
from gateway.http.subscriptions.sse import PreferredSSETransport
from gateway.http.subscriptions.stream import changed_only
from gateway.http.subscriptions.ws import LiveWSHandler, TextWebSocketAdapter
from gateway.live.context import LiveContext, LiveSession
from gateway.live.hub import LiveHub
from gateway.operation.documents import parse_document
from gateway.settings import Settings

# Seconds a client has to send connection_init after the WebSocket opens.
CONNECTION_INIT_WAIT_S = 10


class LiveView:
    """Mixed in front of the gateway's strawberry view (``with_live_updates``).

    Without a hub (GATEWAY_SUBSCRIPTIONS=false) the view serves no WebSocket or SSE.
    """

    settings: Settings
    clock: Clock
    key_verifier: KeyVerifier
    live_hub: LiveHub | None = None
    live_ping_s: float = 10.0
    graphql_transport_ws_handler_class = LiveWSHandler
    websocket_adapter_class = TextWebSocketAdapter
    stream_transport_classes_by_protocol: Mapping[str, type[HTTPStreamTransport]] = (
        MappingProxyType({GRAPHQL_SSE_PROTOCOL: PreferredSSETransport})
    )
    connection_init_wait_timeout = timedelta(seconds=CONNECTION_INIT_WAIT_S)
    max_subscriptions_per_connection: int | None = None  # the hub's limits apply instead

    def __init__(self, *args: Any, live_hub: LiveHub | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live_hub = live_hub
        self.live_ping_s = self.settings.subscription_ping_s
        self.protocols = (
            (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL) if live_hub is not None else ()
        )
        for transport in self._stream_transport_map.values():  # type: ignore[attr-defined]
            transport.heartbeat_interval = self.live_ping_s

    def _session(self, pool: asyncpg.Pool, authorization: str | None = None) -> LiveSession:
        assert self.live_hub is not None
        settings, clock = self.settings, self.clock

        def fresh(principal: Principal) -> Context:
            return build_context(pool, settings, clock=clock, principal=principal)

        return LiveSession(self.live_hub, pool, fresh, clock, authorization)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A page on another origin may subscribe where CORS lets it query: the same origins.

        strawberry asks only for a cross-origin handshake and refuses it by default (403), which
        would keep every storefront on its own origin from subscribing. No cookie authenticates
        a socket here (the key comes in ``connection_init``), so the list guards what CORS
        guards for HTTP.
        """
        return origin_allowed(self.settings, origin)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        """A WebSocket connection's context (its principal set by connection_init)."""
        if isinstance(request, WebSocket):
            session = self._session(request.state.pool, request.headers.get("authorization"))
            return LiveContext.wrap(session.fresh(DEVELOPMENT), session)
        return await super().get_context(request, response)  # type: ignore[misc, no-any-return]

    async def on_ws_connect(self, context: LiveContext) -> UnsetType | dict[str, object] | None:
        """Authenticate ``connection_init``: ``{"authorization": "Bearer <API key>"}``.

        The key may also come in the upgrade request's Authorization header. Without either,
        the development principal, unless keys are required; a refusal closes with 4403.
        """
        session = context.session()
        params = context.connection_params or {}
        given = params.get("authorization", params.get("Authorization"))
        try:
            context.principal = await authenticate(
                given if isinstance(given, str) else session.authorization,
                require_key=self.settings.keys_required,
                verifier=self.key_verifier,
                pool=session.pool,
            )
        except GatewayError as exc:
            payload: dict[str, object] = {"code": exc.code.value, "message": exc.message}
            raise ConnectionRejectionError(payload) from None
        unset: UnsetType = UNSET
        return unset

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        """A streamed operation (SSE) runs live: its own context, only changed results."""
        streamed = (
            self.live_hub is not None
            and isinstance(request_data, GraphQLRequestData)
            and self._get_stream_transport(request_data.protocol) is not None  # type: ignore[attr-defined]
        )
        if not streamed:
            return await super().execute_operation(  # type: ignore[misc]
                request, request_adapter, request_data, context, root_value, sub_response
            )
        assert isinstance(request_data, GraphQLRequestData)
        if not request_data.query:
            raise HTTPException(400, "No GraphQL query found in the request")
        try:
            document = parse_document(request_data.query, self.settings.max_query_tokens)
        except GraphQLError as error:
            # Answered as JSON, like any request that never starts: nothing to stream.
            return ExecutionResult(data=None, errors=[error])
        name = request_data.operation_name
        if not isinstance(name, str | None) or get_operation_ast(document, name) is None:
            # As strawberry answers a query naming no operation of its document (a 400), rather
            # than failing inside the stream.
            raise HTTPException(400, CannotGetOperationTypeError(name).as_http_error_reason())
        ctx = LiveContext.wrap(context, self._session(request.state.pool))
        source = await super().execute_operation(  # type: ignore[misc]
            request, request_adapter, request_data, ctx, root_value, sub_response
        )
        return changed_only(source, ctx)


def with_live_updates(view_class: type[Any]) -> type[Any]:
    """``view_class`` serving subscriptions too (construct it with ``live_hub=``)."""
    return type(view_class.__name__, (LiveView, view_class), {})
