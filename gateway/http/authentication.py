"""Authentication: who the request acts as, from its ``Authorization: Bearer`` API key.

A missing key (when keys are required) or an unknown one raises ``GatewayError``
(UNAUTHENTICATED), answered 401 by ``gateway.http.failures``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.authenticate import authenticate
from gateway.auth.keys import KeyVerifier
from gateway.http.request_state import request_state


class Authentication:
    """Sets ``principal`` on the request's state, then hands on.

    Example::

        app = Authentication(app, require_key=True, verifier=KeyVerifier())
    """

    def __init__(self, app: ASGIApp, *, require_key: bool, verifier: KeyVerifier) -> None:
        self.app = app
        self.require_key = require_key
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        state.principal = await authenticate(
            state.headers.authorization,
            require_key=self.require_key,
            verifier=self.verifier,
            pool=state.pool,
        )
        await self.app(scope, receive, send)
