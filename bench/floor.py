"""The no-GraphQL floor for the cart: what the bench's cart costs without any GraphQL at all.

One bare Starlette route that answers the bench's cart query (``scenarios.CART``) for the
``customerId`` variable of the POSTed body, and nothing else: it reads no query text. It runs the
gateway's own three statements through the gateway's own fetch functions (``fetch_cart_promotions``,
then ``fetch_restrictions`` and ``fetch_programs`` side by side, as the gateway's loaders do) on
the gateway's pool (``create_pool``: same codecs, generic plans, pool size), builds the answer as
plain dicts by hand, in the query's field order, and encodes it with orjson. Every listed
promotion is answered: the bench's API key sees every brand, so the gateway filters none.

``bench.starlette_peers`` serves it on uvicorn as the gateway is served (one worker, uvloop,
httptools, no access log); ``tests/bench/test_floor_peer.py`` checks that its answers equal the
gateway's.

Example, with uvicorn (``DATABASE_URL`` names the benchmark database)::

    python -m bench.starlette_peers floor --port 8300
    curl -d '{"query": "...", "variables": {"customerId": "bc-000001"}}' \\
        http://127.0.0.1:8300/graphql
    # -> {"data":{"cartPromotions":[{"promotionId":...}]}}
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.db import RequestDb, create_pool
from gateway.promotions.listing import CartPromotionRecord, fetch_cart_promotions
from gateway.promotions.programs import LoyaltyProgramRecord, fetch_programs
from gateway.promotions.restrictions import RestrictionState, fetch_restrictions, shown_amounts
from gateway.settings import Settings, load_settings

Json = dict[str, Any]
LEVELS = ("cart", "customer", "promotion", "product", "category")


async def cart_answer(pool: asyncpg.Pool, settings: Settings, customer_id: str) -> Json:
    """The ``data`` of the bench's cart query for ``customer_id``: three statements at most."""
    db = RequestDb(pool, settings.pool_acquire_timeout_s)
    now = datetime.now(UTC)
    [records] = await fetch_cart_promotions(db, [(customer_id, True)], now)
    program_ids = sorted({r.criteria_program_id for r in records if r.criteria_program_id})
    states, programs = await asyncio.gather(_restrictions(db, records), _programs(db, program_ids))
    return {
        "cartPromotions": [
            promotion(record, found, programs)
            for record, found in zip(records, states, strict=True)
        ]
    }


async def _restrictions(
    db: RequestDb, records: Sequence[CartPromotionRecord]
) -> list[list[RestrictionState]]:
    if not records:
        return []
    return await fetch_restrictions(db, [(r.customer_id, r.promotion_id, None) for r in records])


async def _programs(
    db: RequestDb, program_ids: Sequence[str]
) -> dict[str, LoyaltyProgramRecord | None]:
    if not program_ids:
        return {}
    return dict(zip(program_ids, await fetch_programs(db, program_ids), strict=True))


def promotion(
    record: CartPromotionRecord,
    states: Sequence[RestrictionState],
    programs: dict[str, LoyaltyProgramRecord | None],
) -> Json:
    """One cart promotion as the cart query selects it (datetimes left to orjson)."""
    program = programs.get(record.criteria_program_id) if record.criteria_program_id else None
    return {
        "promotionId": record.promotion_id,
        "promotionName": record.promotion_name,
        "customerId": record.customer_id,
        "validTill": record.valid_till,
        "earnedType": record.earned_type.name,
        "earnedStatus": record.earned_status.name,
        "promotionStatus": record.promotion_status.name,
        "milestoneId": record.milestone_id,
        "targetGroupId": record.target_group_id,
        "applicationMode": record.application_mode.name,
        "customFieldValues": record.custom_field_values,
        "eventTime": record.event_time,
        "restrictions": restrictions(states) if states else None,
        "supplementaryCriteria": None
        if program is None
        else {
            "loyaltyProgramId": program.program_id,
            "programType": program.program_type.name,
            "partnerProgramId": program.partner_program_id,
        },
    }


def restrictions(states: Sequence[RestrictionState]) -> Json:
    """A promotion's limits grouped by level (every level present, empty lists included)."""
    by_level: Json = {level: [] for level in LEVELS}
    for state in states:
        max_limit, remaining = shown_amounts(state.kpi, state.max_limit, state.used)
        by_level[state.level.name.lower()].append(
            {
                "level": state.level.name,
                "kpi": state.kpi.name,
                "maxLimit": str(max_limit),
                "remainingRedemption": str(remaining),
                "productSku": state.product_sku,
                "categoryId": state.category_id,
            }
        )
    return by_level


async def graphql(request: Request) -> Response:
    """POST /graphql: the cart of ``variables.customerId``, as ``{"data": ...}``."""
    body = orjson.loads(await request.body())
    state = request.app.state
    data = await cart_answer(state.pool, state.settings, body["variables"]["customerId"])
    return Response(orjson.dumps({"data": data}), media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """The gateway's pool on ``DATABASE_URL``, for the app's life."""
    settings = load_settings(database_url=os.environ["DATABASE_URL"], env="development")
    app.state.settings = settings
    app.state.pool = await create_pool(os.environ["DATABASE_URL"], settings)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
