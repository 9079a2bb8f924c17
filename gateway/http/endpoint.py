"""/graphql: the request's state made once, then the HTTP pieces in order, then the view.

Outermost first, one concern each (a class holding the next app; ``__call__``, one decision):

1. ``IdePage``: GraphiQL's page for a browser (public);
2. ``ResponseHeaders``: the answer's media type and ``Cache-Control``;
3. ``Failures``: what the pieces below raise, answered as coded errors;
4. ``Authentication``: the principal, from the API key;
5. ``RateLimit``: the key's token bucket (when ``GATEWAY_RATE_LIMIT`` is set);
6. ``Deadline``: the answer computed within ``GATEWAY_REQUEST_TIMEOUT_S``;
7. ``ResponseCaching``: answered or stored by the response cache (when it is on);
8. ``ReplicaRouting``: reads on the replica, run again on the primary when they must (with a
   replica);
9. the view (``gateway.http.view``), whose incremental answers ``gateway.http.delivery`` hands on.

Admission, the body limit, CORS and gzip run before, as app-wide middleware (``gateway.app``).
Other scopes (a WebSocket) go straight to the view.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.cache.response_cache import ResponseCache
from gateway.context import Clock
from gateway.db.freshness import ReplicaFreshness
from gateway.http.authentication import Authentication
from gateway.http.deadline import Deadline
from gateway.http.failures import Failures
from gateway.http.ide_page import IdePage
from gateway.http.media_types import prefers_graphql_response
from gateway.http.rate_limit import RateLimit, TokenBuckets
from gateway.http.replica_routing import ReplicaRouting
from gateway.http.request_state import SCOPE_KEY, RequestHeaders, RequestState
from gateway.http.response_cache import ResponseCaching
from gateway.http.response_headers import ResponseHeaders
from gateway.http.view import GatewayGraphQL
from gateway.settings import Settings


class GraphQLEndpoint:
    """Makes an HTTP request's state, then hands it to the pieces; other scopes to the view.

    Example::

        Route("/graphql", graphql_endpoint(view, settings, clock))
    """

    def __init__(self, view: ASGIApp, pieces: ASGIApp, timeout_s: float) -> None:
        self.view = view
        self.pieces = pieces
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        lifespan = scope["state"]
        headers = RequestHeaders.read(scope["headers"])
        scope[SCOPE_KEY] = RequestState(
            pool=lifespan["pool"],
            headers=headers,
            read_pool=lifespan["read_pool"],
            graphql_response=prefers_graphql_response(headers.accept),
            deadline=asyncio.get_running_loop().time() + self.timeout_s,
        )
        await self.pieces(scope, receive, send)


def graphql_endpoint(
    view: GatewayGraphQL,
    settings: Settings,
    clock: Clock,
    *,
    response_cache: ResponseCache | None = None,
    freshness: ReplicaFreshness | None = None,
) -> GraphQLEndpoint:
    """The view behind its pieces (the order: this module's docstring)."""
    app: ASGIApp = view
    if freshness is not None:
        app = ReplicaRouting(app, freshness)
    if response_cache is not None:
        app = ResponseCaching(app, response_cache, env=settings.env, clock=clock)
    app = Deadline(app)
    if settings.rate_limit is not None:
        app = RateLimit(app, TokenBuckets(settings.rate_limit, settings.rate_limit_bucket))
    app = Authentication(app, require_key=settings.keys_required, verifier=view.key_verifier)
    app = Failures(app, settings.request_timeout_s)
    app = ResponseHeaders(
        app,
        clock=clock,
        max_age_s=settings.http_max_age,
        keys_required=settings.keys_required,
    )
    if view.graphql_ide:  # production serves no page: one layer less per request
        app = IdePage(app, view)
    return GraphQLEndpoint(view, app, settings.request_timeout_s)
