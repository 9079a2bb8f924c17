# strawberry.field(...) with arguments is typed as returning Any (as in gateway.schema).
# mypy: disallow-untyped-decorators=False
"""The naive baseline: the same ``cartPromotions`` query, resolved the N+1 way on purpose.

One query lists the customer's promotions (the gateway's own listing SQL, for one customer), then
every promotion's ``restrictions`` and ``supplementaryCriteria`` make their own query each: no
DataLoader, no batching. Same strawberry version, same parser and validation caches, same pool
and codecs as the gateway, so the difference measured is the loaders'.

From a shell::

    python -m bench.naive --port 8200     # DATABASE_URL names the benchmark database
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.scalars import JSON

from gateway.db import create_pool
from gateway.promotions.listing import LISTING_SQL
from gateway.settings import load_settings

RESTRICTIONS_SQL = """
SELECT r.level::text AS level, r.kpi::text AS kpi, r.max_limit, r.product_sku, r.category_id,
       coalesce(CASE WHEN r.level = 'promotion' THEN pu.used ELSE cu.used END, 0) AS used
FROM promotion_restrictions r
LEFT JOIN promotion_restriction_usage pu ON pu.restriction_id = r.restriction_id
LEFT JOIN customer_restriction_usage cu
       ON cu.customer_id = $1 AND cu.restriction_id = r.restriction_id AND cu.scope_key = ''
WHERE r.promotion_id = $2
ORDER BY r.level, r.kpi, r.product_sku, r.category_id, r.restriction_id
"""

PROGRAM_SQL = """
SELECT program_id, program_type::text AS program_type, partner_program_id
FROM loyalty_programs WHERE program_id = $1
"""

Ctx = dict[str, Any]


@strawberry.type(description="One limit and what is left of it.")
class Restriction:
    level: str = strawberry.field(description="Level (upper case).")
    kpi: str = strawberry.field(description="KPI (upper case).")
    max_limit: Decimal = strawberry.field(description="The limit.")
    remaining_redemption: Decimal = strawberry.field(description="max(0, limit - used).")
    product_sku: str | None = strawberry.field(description="PRODUCT level: the SKU.")
    category_id: str | None = strawberry.field(description="CATEGORY level: the category.")


@strawberry.type(description="Limits by level.")
class PromotionRestrictions:
    cart: list[Restriction] = strawberry.field(description="Per cart.")
    customer: list[Restriction] = strawberry.field(description="Per customer.")
    promotion: list[Restriction] = strawberry.field(description="All customers.")
    product: list[Restriction] = strawberry.field(description="Per product.")
    category: list[Restriction] = strawberry.field(description="Per category.")


@strawberry.type(description="The supplementary program a promotion comes through.")
class SupplementaryCriteria:
    loyalty_program_id: strawberry.ID = strawberry.field(description="Program.")
    program_type: str = strawberry.field(description="Its type (upper case).")
    partner_program_id: strawberry.ID | None = strawberry.field(description="Partner id.")


@strawberry.type(description="A cart promotion, resolved without loaders.")
class CartPromotion:
    promotion_id: strawberry.ID = strawberry.field(description="The promotion.")
    promotion_name: str = strawberry.field(description="Its name.")
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    valid_till: datetime | None = strawberry.field(description="End of use.")
    earned_type: str = strawberry.field(description="How it was earned (upper case).")
    earned_status: str = strawberry.field(description="Locked or unlocked (upper case).")
    promotion_status: str = strawberry.field(description="Active or not (upper case).")
    milestone_id: strawberry.ID | None = strawberry.field(description="Milestone.")
    target_group_id: strawberry.ID | None = strawberry.field(description="Target group.")
    application_mode: str = strawberry.field(description="Discount or reward (upper case).")
    custom_field_values: JSON = strawberry.field(description="Custom values.")
    event_time: datetime | None = strawberry.field(description="Earn event time.")
    criteria_program_id: strawberry.Private[str | None]

    @strawberry.field(description="Limits: one query per promotion.")
    async def restrictions(self, info: strawberry.Info[Ctx, None]) -> PromotionRestrictions | None:
        pool: asyncpg.Pool = info.context["pool"]
        rows = await pool.fetch(RESTRICTIONS_SQL, self.customer_id, self.promotion_id)
        if not rows:
            return None
        levels: dict[str, list[Restriction]] = {
            k: [] for k in ("cart", "customer", "promotion", "product", "category")
        }
        for row in rows:
            used = Decimal(0) if row["level"] == "cart" else row["used"]
            levels[row["level"]].append(
                Restriction(
                    level=row["level"].upper(),
                    kpi=row["kpi"].upper(),
                    max_limit=row["max_limit"],
                    remaining_redemption=max(Decimal(0), row["max_limit"] - used),
                    product_sku=row["product_sku"],
                    category_id=row["category_id"],
                )
            )
        return PromotionRestrictions(**levels)

    @strawberry.field(description="The program: one query per promotion.")
    async def supplementary_criteria(
        self, info: strawberry.Info[Ctx, None]
    ) -> SupplementaryCriteria | None:
        if self.criteria_program_id is None:
            return None
        pool: asyncpg.Pool = info.context["pool"]
        row = await pool.fetchrow(PROGRAM_SQL, self.criteria_program_id)
        if row is None:
            return None
        return SupplementaryCriteria(
            loyalty_program_id=strawberry.ID(row["program_id"]),
            program_type=row["program_type"].upper(),
            partner_program_id=row["partner_program_id"],
        )


def _status(row: asyncpg.Record, now: datetime) -> str:
    if row["ends_at"] is not None and row["ends_at"] <= now:
        return "EXPIRED"
    started = row["starts_at"] is None or row["starts_at"] <= now
    return "ACTIVE" if row["is_active"] and started else "INACTIVE"


@strawberry.type(description="Naive cart promotions.")
class Query:
    @strawberry.field(description="A customer's cart promotions, N+1.")
    async def cart_promotions(
        self,
        info: strawberry.Info[Ctx, None],
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="Customer.")],
        include_supplementary: Annotated[
            bool, strawberry.argument(description="Include programs.")
        ] = False,
    ) -> list[CartPromotion]:
        pool: asyncpg.Pool = info.context["pool"]
        now = datetime.now(UTC)
        rows = await pool.fetch(LISTING_SQL, [customer_id], [include_supplementary], now, None)
        return [
            CartPromotion(
                promotion_id=strawberry.ID(row["promotion_id"]),
                promotion_name=row["name"],
                customer_id=strawberry.ID(row["customer_id"]),
                valid_till=row["valid_till"],
                earned_type=row["earned_type"].upper(),
                earned_status=row["earned_status"].upper(),
                promotion_status=_status(row, now),
                milestone_id=row["milestone_id"],
                target_group_id=row["target_group_id"],
                application_mode=row["application_mode"].upper(),
                custom_field_values=row["custom_field_values"],
                event_time=row["event_time"],
                criteria_program_id=row["criteria_program_id"],
            )
            for row in rows
        ]


class NaiveGraphQL(GraphQL[Ctx, None]):
    """strawberry's ASGI app with the pool in the context."""

    async def get_context(self, request: Request | WebSocket, response: Any) -> Ctx:
        """The pool, nothing per request."""
        return {"pool": request.state.pool}


def create_naive_app(dsn: str) -> Starlette:
    """The naive baseline app on ``dsn``."""
    schema = strawberry.Schema(
        query=Query,
        extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, asyncpg.Pool]]:
        pool = await create_pool(dsn, load_settings(database_url=dsn))
        try:
            yield {"pool": pool}
        finally:
            await pool.close()

    return Starlette(routes=[Route("/graphql", NaiveGraphQL(schema))], lifespan=lifespan)


def main() -> None:
    """Serve the naive baseline on 127.0.0.1 (DATABASE_URL names the database)."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_naive_app(os.environ["DATABASE_URL"])
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", access_log=False
    )


if __name__ == "__main__":
    main()
