"""/graphql over HTTP straight to its endpoint, past starlette's exception middleware and router.

The endpoint answers every failure of its own (``gateway.http.failures``) and takes every method,
so the router's matching, its exception wrapper and their ``send`` wrappers did nothing for it but
cost about a tenth of a ``{ __typename }`` request's CPU. Other paths, and WebSockets, take the
router as before.
"""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

PATH = "/graphql"


class GraphQLRoute:
    """Innermost app-wide middleware: an HTTP request for ``/graphql`` goes to ``endpoint``.

    Example::

        Middleware(GraphQLRoute, endpoint=graphql_endpoint(view, settings, clock))
    """

    def __init__(self, app: ASGIApp, endpoint: ASGIApp) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and get_route_path(scope) == PATH:
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)
