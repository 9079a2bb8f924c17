"""The bare Starlette JSON endpoint: the ceiling ``{ __typename }`` is read against.

One route, POST /graphql, that reads the request's body (as any endpoint must) and answers the
constant ``{"data":{"__typename":"Query"}}``: HTTP, uvicorn and Starlette with nothing to parse,
validate or resolve. ``bench.starlette_peers`` serves it as the gateway is served (one worker,
uvloop, httptools, no access log).

Example::

    python -m bench.starlette_peers bare --port 8301
    curl -d '{"query": "{ __typename }"}' http://127.0.0.1:8301/graphql
    # -> {"data":{"__typename":"Query"}}
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = b'{"data":{"__typename":"Query"}}'


async def graphql(request: Request) -> Response:
    """POST /graphql: the body read, the constant answer."""
    await request.body()
    return Response(ANSWER, media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
