"""Many real customers for round-trip tests: copies of the demo customers, not unknown ids.

Each copy holds demo-loyal's promotions (issued, tier and supplementary, with limits at every
level) and loyalty memberships, and demo-b2c's subscription and attributes, so it gets an offer
and lists promotions: every loader has rows to read for every customer.
"""

from __future__ import annotations

from gateway.db import Connection

# table -> the demo customer whose rows each copy gets.
_TEMPLATES = {
    "customers": "demo-loyal",
    "customer_brands": "demo-loyal",
    "loyalty_memberships": "demo-loyal",
    "customer_promotions": "demo-loyal",
    "subscriptions": "demo-b2c",
    "customer_attributes": "demo-b2c",
}


async def copy_demo_customers(conn: Connection, count: int, prefix: str = "real-") -> list[str]:
    """Create ``count`` customers ``<prefix>0`` ... and return their ids.

    Example, in a coroutine::

        ids = await copy_demo_customers(conn, 100)
    """
    for table, template in _TEMPLATES.items():
        columns = [
            row["column_name"]
            for row in await conn.fetch(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'"
                " ORDER BY ordinal_position",
                table,
            )
        ]
        chosen = ", ".join(f"$1 || i AS {c}" if c == "customer_id" else c for c in columns)
        await conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608 - names from the catalog
            f" SELECT {chosen} FROM {table}, generate_series(0, $2 - 1) AS i"
            " WHERE customer_id = $3",
            prefix,
            count,
            template,
        )
    return [f"{prefix}{i}" for i in range(count)]
