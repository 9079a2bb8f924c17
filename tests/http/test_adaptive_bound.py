"""The admission bound follows the event loop's lateness: lowered under CPU saturation, restored
after it, and never lowered by requests that only wait (on a database, say)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from gateway.http.admission import AdmissionMiddleware

LIMIT = 32


def _scope() -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/graphql", "headers": []}


async def _request(app: Any) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(), receive, send)
    return int(sent[0]["status"])


def _admission(work: Any) -> AdmissionMiddleware:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await work()
        await PlainTextResponse("ok")(scope, receive, send)

    return AdmissionMiddleware(app, limit=LIMIT, queue=0, refusal_delay_s=0.01, target_lag_s=0.01)


async def _flood(admission: AdmissionMiddleware, requests: int) -> tuple[list[int], int]:
    """``requests`` requests, as many at once as the bound admits plus as many again; the lowest
    bound seen while they ran."""
    lowest = admission.bound.current
    statuses: list[int] = []

    async def client() -> None:
        nonlocal lowest
        while len(statuses) < requests:
            statuses.append(await _request(admission))
            lowest = min(lowest, admission.bound.current)

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(2 * LIMIT))), 60)
    return statuses, lowest


async def test_a_saturated_loop_lowers_the_bound_and_an_idle_one_restores_it() -> None:
    async def burn_cpu() -> None:
        await asyncio.sleep(0)
        until = time.perf_counter() + 0.002
        while time.perf_counter() < until:  # 2 ms of the core, holding the loop as work does
            pass

    admission = _admission(burn_cpu)
    statuses, lowest = await _flood(admission, 1500)

    assert set(statuses) <= {200, 503} and statuses.count(200) > 0
    assert lowest < LIMIT  # 64 requests of 2 ms each: the loop ran tens of ms late
    assert lowest >= admission.bound.floor
    for _ in range(200):  # idle: back to the limit by one per 25 ms tick
        if admission.bound.current == LIMIT:
            break
        await asyncio.sleep(0.025)
    assert admission.bound.current == LIMIT


async def test_requests_that_only_wait_do_not_lower_the_bound() -> None:
    async def wait_on_io() -> None:
        await asyncio.sleep(0.02)  # a slow database: time in flight, but the loop is free

    admission = _admission(wait_on_io)
    statuses, lowest = await _flood(admission, 600)

    # Not lowered (a neighbour taking the core for a moment may nudge it, never to the floor).
    assert lowest > LIMIT // 2
    assert statuses.count(200) > 0
