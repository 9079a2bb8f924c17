"""GraphiQL's page for a browser GET of /graphql: public (the key is entered in it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.view import GatewayGraphQL


class IdePage:
    """Answers a browser's GET with the page, before authentication; else hands on.

    Example::

        app = IdePage(app, view)
    """

    def __init__(self, app: ASGIApp, view: GatewayGraphQL) -> None:
        self.app = app
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        view = self.view
        if not view.graphql_ide or scope["method"] != "GET":  # the page answers a browser's GET
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if view.should_render_graphql_ide(view.request_adapter_class(request)):
            page = await view.render_graphql_ide(request)
            await page(scope, receive, send)
            return
        await self.app(scope, receive, send)
