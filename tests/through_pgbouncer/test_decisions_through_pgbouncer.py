"""A few offer decisions and federated entity batches again, through a real PgBouncer 1.18.

Only the ``settings`` and ``pool`` fixtures differ (``conftest.py``): the tests are the suite's own.
"""

from __future__ import annotations

import asyncpg

from gateway.settings import Settings
from tests.federation.test_entities import (  # noqa: F401
    test_a_hundred_real_customers_cost_the_round_trips_of_one,
    test_entities_match_the_root_field,
)
from tests.offers.test_personalized_offers import (  # noqa: F401
    test_at_most_three_round_trips,
    test_b2c_customer_gets_the_annual_upgrade,
    test_concurrent_requests_compile_a_missing_catalog_once,
    test_explain_says_why_each_play_lost,
)


async def test_these_tests_reach_the_database_through_pgbouncer(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    assert settings.database_pooler == "pgbouncer"
    assert settings.statement_cache_entries == 0
    # Through PgBouncer the server's own port is not the one we connected to.
    server_port = await pool.fetchval("SELECT inet_server_port()")
    assert settings.database_url is not None
    assert f":{server_port}/" not in settings.database_url
    # The session settings come from PgBouncer's connect_query, not from the gateway.
    assert await pool.fetchval("SHOW statement_timeout") == "5s"
