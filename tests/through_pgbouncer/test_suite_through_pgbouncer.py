"""A part of the suite again, through a real PgBouncer 1.18 in transaction pooling mode.

The listings, the redemptions (transactions, row locks, idempotency), earn and issue, offer events
and fulfillments run unchanged, with a few offer decisions and federated entity batches: only the
``settings`` and ``pool`` fixtures differ (``conftest.py``). Modules imported whole bring their
own fixtures along.
"""

from __future__ import annotations

import asyncpg

from gateway.settings import Settings
from tests.offers.test_offer_feedback import *  # noqa: F403
from tests.promotions.test_cart_promotions_listing import *  # noqa: F403
from tests.promotions.test_issue_and_earn import *  # noqa: F403
from tests.promotions.test_redeem_cart_promotion import *  # noqa: F403


async def test_these_tests_reach_the_database_through_pgbouncer(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    assert settings.database_pooler == "pgbouncer"
    assert settings.statement_cache_entries == 0
    # PgBouncer answers SHOW commands on its admin console only; on a pooled connection the
    # server's own port differs from the one we connected to.
    server_port = await pool.fetchval("SELECT inet_server_port()")
    assert settings.database_url is not None
    assert str(server_port) not in settings.database_url.split("@")[1]
