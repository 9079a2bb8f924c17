"""The routes beside /graphql: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import migrations
from gateway.db import UNAVAILABLE_ERRORS
from gateway.http.drain import Drain


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
