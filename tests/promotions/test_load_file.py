"""`gateway load FILE` with loyalty_programs and promotions: validated, idempotent, all or nothing.

Limits are upserted on their natural key, so a changed max_limit keeps its id and usage; a used
limit is never dropped; the loaded promotions are what ``cartPromotions`` lists.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from gateway.catalog.fields import CatalogError
from gateway.catalog.load import load_path, parse_file
from tests.conftest import Gql

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

LISTING = """
query ($id: ID!, $supplementary: Boolean! = false) {
  cartPromotions(customerId: $id, includeSupplementary: $supplementary) {
    promotionId promotionName earnedType applicationMode customFieldValues targetGroupId
    restrictions {
      cart { ...limit } customer { ...limit } promotion { ...limit }
      product { ...limit } category { ...limit }
    }
  }
}
fragment limit on Restriction { level kpi maxLimit remainingRedemption productSku categoryId }
"""
ISSUE = """
mutation ($id: ID!, $customers: [ID!]!) {
  issueCartPromotion(promotionId: $id, customerIds: $customers) { issuedCustomerIds }
}
"""

EVERY_LIMIT = [
    {"level": "cart", "kpi": "redemption", "max_limit": 1},
    {"level": "cart", "kpi": "discount", "max_limit": 25.5},
    {"level": "customer", "kpi": "transaction", "max_limit": 3},
    {"level": "promotion", "kpi": "redemption", "max_limit": 500},
    {"level": "product", "kpi": "discount", "max_limit": "80.00", "product_sku": "SKU-TV-55"},
    {"level": "category", "kpi": "redemption", "max_limit": 2, "category_id": "electronics"},
]
FILE: dict[str, Any] = {
    "loyalty_programs": [
        {
            "id": "acme-club",
            "brand": "acme",
            "name": "Acme Club",
            "type": "supplementary",
            "partner_program_id": "club-partner",
            "tiers": [
                {"id": "acme-club-basic", "name": "Basic", "rank": 0},
                {"id": "acme-club-plus", "name": "Plus", "rank": 1},
            ],
        }
    ],
    "promotions": [
        {
            "id": "load-issued",
            "brand": "acme",
            "name": "Loaded: every limit",
            "kind": "issued",
            "application_mode": "discount",
            "starts_at": "2025-01-01T00:00:00Z",
            "ends_at": "2030-12-31T23:59:59Z",
            "custom_field_values": {"channel": "app", "since": "2025-01-01"},
            "milestone_id": "ms-load",
            "target_group_id": "tg-load",
            "priority": 70,
            "restrictions": EVERY_LIMIT,
        },
        {
            "id": "load-gold",
            "brand": "acme",
            "name": "Loaded: gold tier and club",
            "kind": "pos",
            "active": True,
            "application_mode": "reward",
            "priority": 65,
            "restrictions": [{"level": "customer", "kpi": "redemption", "max_limit": 2}],
            "tiers": [
                {"program": "acme-rewards", "tier": "acme-gold"},
                {"program": "acme-club", "tier": "acme-club-plus"},
            ],
            "programs": ["acme-club", "acme-skymiles"],
        },
        {
            "id": "load-all-members",
            "brand": "acme",
            "name": "Loaded: all members",
            "kind": "all_loyalty",
        },
    ],
}


def write(tmp_path: Path, data: dict[str, Any], suffix: str = ".yaml") -> Path:
    path = tmp_path / f"load{suffix}"
    path.write_text(yaml.safe_dump(data) if suffix == ".yaml" else json.dumps(data))
    return path


def with_promotion(index: int, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(FILE)
    data["promotions"][index].update(changes)
    return data


@pytest.fixture
async def conn(database_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_dsn)
    try:
        yield connection
    finally:
        await connection.close()


SNAPSHOT_SQL = {
    "promotions": """SELECT xmin::text AS version, promotion_id, brand_id, name, kind::text,
                            is_active, application_mode::text, starts_at, ends_at,
                            custom_field_values::text, milestone_id, target_group_id, priority
                     FROM promotions ORDER BY promotion_id""",
    "restrictions": """SELECT xmin::text AS version, restriction_id, promotion_id, level::text,
                              kpi::text, max_limit, product_sku, category_id
                       FROM promotion_restrictions ORDER BY restriction_id""",
    "tiers": "SELECT * FROM promotion_tiers ORDER BY promotion_id, tier_id",
    "programs": "SELECT * FROM promotion_programs ORDER BY promotion_id, program_id",
    "loyalty": """SELECT xmin::text AS version, * FROM loyalty_programs
                  ORDER BY program_id""",
    "loyalty_tiers": "SELECT xmin::text AS version, * FROM loyalty_tiers ORDER BY tier_id",
    "shared_usage": "SELECT * FROM promotion_restriction_usage ORDER BY restriction_id",
    "customer_usage": """SELECT * FROM customer_restriction_usage
                         ORDER BY customer_id, restriction_id, scope_key""",
}


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    return {name: [dict(r) for r in await conn.fetch(sql)] for name, sql in SNAPSHOT_SQL.items()}


def listed(result: Any) -> dict[str, dict[str, Any]]:
    assert result.errors is None, result.errors
    return {p["promotionId"]: p for p in result.data["cartPromotions"]}


def limit(level: str, kpi: str, max_limit: str, remaining: str, **scope: str) -> dict[str, Any]:
    return {
        "level": level,
        "kpi": kpi,
        "maxLimit": max_limit,
        "remainingRedemption": remaining,
        "productSku": scope.get("productSku"),
        "categoryId": scope.get("categoryId"),
    }


# --- creating, and what customers then see ------------------------------------------------------


async def test_a_file_creates_programs_promotions_limits_and_tags(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    summary = await load_path(database_dsn, write(tmp_path, FILE))

    assert str(summary) == "0 brands, 0 offers, 0 plays, 1 loyalty programs, 3 promotions"
    limits = await conn.fetch(
        """SELECT level::text, kpi::text, max_limit::text, product_sku, category_id
           FROM promotion_restrictions WHERE promotion_id = 'load-issued'
           ORDER BY restriction_id"""
    )
    assert [tuple(r) for r in limits] == [
        ("cart", "redemption", "1.00", None, None),
        ("cart", "discount", "25.50", None, None),
        ("customer", "transaction", "3.00", None, None),
        ("promotion", "redemption", "500.00", None, None),
        ("product", "discount", "80.00", "SKU-TV-55", None),
        ("category", "redemption", "2.00", None, "electronics"),
    ]
    tags = await conn.fetch(
        "SELECT program_id, tier_id FROM promotion_tiers WHERE promotion_id = 'load-gold'"
    )
    assert sorted(tuple(r) for r in tags) == [
        ("acme-club", "acme-club-plus"),
        ("acme-rewards", "acme-gold"),
    ]
    programs = await conn.fetch(
        """SELECT program_id, program_type::text FROM promotion_programs
           WHERE promotion_id = 'load-gold' ORDER BY program_id"""
    )
    assert [tuple(r) for r in programs] == [
        ("acme-club", "supplementary"),
        ("acme-skymiles", "supplementary"),
    ]
    promotion = await conn.fetchrow("SELECT * FROM promotions WHERE promotion_id = 'load-issued'")
    assert promotion is not None
    assert json.loads(promotion["custom_field_values"]) == {
        "channel": "app",
        "since": "2025-01-01",
    }
    assert (promotion["kind"], promotion["is_active"], promotion["priority"]) == (
        "issued",
        True,
        70,
    )


async def test_loaded_promotions_are_listed_for_the_customers_they_reach(
    gql: Gql, database_dsn: str, tmp_path: Path
) -> None:
    await load_path(database_dsn, write(tmp_path, FILE))
    issued = await gql(ISSUE, {"id": "load-issued", "customers": ["demo-loyal"]}, now=NOW)
    assert issued.errors is None, issued.errors

    loyal = listed(await gql(LISTING, {"id": "demo-loyal"}, now=NOW))
    silver = listed(await gql(LISTING, {"id": "demo-b2c"}, now=NOW))

    # demo-loyal: issued one (with every limit) and the gold-tier POS one; never all_loyalty.
    assert list(loyal)[:2] == ["load-issued", "load-gold"]  # priority 70, then 65
    assert "load-all-members" not in loyal
    assert loyal["load-issued"]["customFieldValues"] == {"channel": "app", "since": "2025-01-01"}
    assert loyal["load-issued"]["targetGroupId"] == "tg-load"
    assert loyal["load-issued"]["restrictions"] == {
        "cart": [
            limit("CART", "REDEMPTION", "1", "1"),
            limit("CART", "DISCOUNT", "25.50", "25.50"),
        ],
        "customer": [limit("CUSTOMER", "TRANSACTION", "3", "3")],
        "promotion": [limit("PROMOTION", "REDEMPTION", "500", "500")],
        "product": [limit("PRODUCT", "DISCOUNT", "80.00", "80.00", productSku="SKU-TV-55")],
        "category": [limit("CATEGORY", "REDEMPTION", "2", "2", categoryId="electronics")],
    }
    assert loyal["load-gold"]["earnedType"] == "TIER"
    assert loyal["load-gold"]["applicationMode"] == "REWARD"
    # demo-b2c is silver: no gold tag reaches them, and nothing was issued to them.
    assert not {"load-issued", "load-gold", "load-all-members"} & set(silver)


# --- idempotence and updates that keep limit ids ------------------------------------------------


async def test_loading_the_same_file_again_changes_nothing(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    path = write(tmp_path, FILE)
    await load_path(database_dsn, path)
    before = await snapshot(conn)

    await load_path(database_dsn, path)

    # Same rows, same ids, and not even a new row version (xmin) for promotions and limits.
    assert await snapshot(conn) == before


async def test_a_changed_max_limit_keeps_the_limit_id_and_its_usage(
    gql: Gql, database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    """acme-welcome10 (demo): demo-loyal used 1 of the customer limit of 3."""
    welcome = {
        "id": "acme-welcome10",
        "brand": "acme",
        "name": "10% off your next order",
        "kind": "issued",
        "starts_at": "2025-01-01T00:00:00Z",
        "ends_at": "2030-12-31T23:59:59Z",
        "custom_field_values": {"channel": "web", "badge": "NEW"},
        "target_group_id": "tg-new-members",
        "priority": 50,
        "restrictions": [
            {"level": "cart", "kpi": "redemption", "max_limit": 1},
            {"level": "cart", "kpi": "discount", "max_limit": 25},
            {"level": "customer", "kpi": "redemption", "max_limit": 5},  # was 3
            {"level": "promotion", "kpi": "redemption", "max_limit": 1000},
        ],
    }
    ids_sql = """SELECT restriction_id, level::text, kpi::text FROM promotion_restrictions
                 WHERE promotion_id = 'acme-welcome10' ORDER BY restriction_id"""
    usage_sql = """SELECT restriction_id, scope_key, used FROM customer_restriction_usage
                   WHERE customer_id = 'demo-loyal' ORDER BY restriction_id, scope_key"""
    ids_before = await conn.fetch(ids_sql)
    usage_before = await conn.fetch(usage_sql)

    await load_path(database_dsn, write(tmp_path, {"promotions": [welcome]}))

    assert await conn.fetch(ids_sql) == ids_before
    assert await conn.fetch(usage_sql) == usage_before
    customer = listed(await gql(LISTING, {"id": "demo-loyal"}, now=NOW))["acme-welcome10"]
    assert customer["restrictions"]["customer"] == [limit("CUSTOMER", "REDEMPTION", "5", "4")]


async def test_an_unused_limit_missing_from_the_file_is_removed(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    await load_path(database_dsn, write(tmp_path, FILE))
    fewer = with_promotion(0, restrictions=EVERY_LIMIT[:2])

    await load_path(database_dsn, write(tmp_path, fewer))

    count = "SELECT count(*) FROM promotion_restrictions WHERE promotion_id = 'load-issued'"
    assert await conn.fetchval(count) == 2


async def test_a_used_limit_missing_from_the_file_stops_the_load(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    """acme-welcome10's PROMOTION limit counted demo-loyal's redemption: it cannot be dropped."""
    welcome = {
        "id": "acme-welcome10",
        "brand": "acme",
        "name": "Renamed",
        "kind": "issued",
        "restrictions": [{"level": "cart", "kpi": "redemption", "max_limit": 1}],
    }
    before = await snapshot(conn)

    with pytest.raises(CatalogError) as caught:
        await load_path(database_dsn, write(tmp_path, {"promotions": [welcome]}))

    message = str(caught.value)
    assert "promotions[0] (acme-welcome10).restrictions: the stored limit promotion/redemption" in (
        message
    )
    assert "has been used and cannot be removed" in message
    assert await snapshot(conn) == before


async def test_absent_restrictions_and_tags_are_kept(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    await load_path(database_dsn, write(tmp_path, FILE))
    gold = {k: v for k, v in FILE["promotions"][1].items() if k not in ("restrictions", "tiers")}
    gold["programs"] = []

    await load_path(database_dsn, write(tmp_path, {"promotions": [{**gold, "name": "Renamed"}]}))

    row = await conn.fetchrow(
        """SELECT name,
                  (SELECT count(*) FROM promotion_restrictions WHERE promotion_id = p.promotion_id),
                  (SELECT count(*) FROM promotion_tiers WHERE promotion_id = p.promotion_id),
                  (SELECT count(*) FROM promotion_programs WHERE promotion_id = p.promotion_id)
           FROM promotions p WHERE promotion_id = 'load-gold'"""
    )
    assert tuple(row or ()) == ("Renamed", 1, 2, 0)


async def test_a_pos_promotion_made_all_loyalty_loses_its_tags(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    await load_path(database_dsn, write(tmp_path, FILE))
    gold = {k: v for k, v in FILE["promotions"][1].items() if k not in ("tiers", "programs")}

    await load_path(
        database_dsn, write(tmp_path, {"promotions": [{**gold, "kind": "all_loyalty"}]})
    )

    tags = await conn.fetchval(
        """SELECT (SELECT count(*) FROM promotion_tiers WHERE promotion_id = 'load-gold')
                + (SELECT count(*) FROM promotion_programs WHERE promotion_id = 'load-gold')"""
    )
    assert tags == 0


async def test_tiers_can_swap_ranks(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    await load_path(database_dsn, write(tmp_path, FILE))
    swapped = copy.deepcopy(FILE)
    swapped["loyalty_programs"][0]["tiers"] = [
        {"id": "acme-club-basic", "name": "Basic", "rank": 1},
        {"id": "acme-club-plus", "name": "Plus", "rank": 0},
    ]

    await load_path(database_dsn, write(tmp_path, swapped, ".json"))

    ranks = await conn.fetch(
        "SELECT tier_id, rank FROM loyalty_tiers WHERE program_id = 'acme-club' ORDER BY tier_id"
    )
    assert [tuple(r) for r in ranks] == [("acme-club-basic", 1), ("acme-club-plus", 0)]


# --- validation: every rule, named by its path --------------------------------------------------

P = "promotions[0] (load-issued)"
G = "promotions[1] (load-gold)"
INVALID = [
    # (promotion index, changes, the problem reported)
    (0, {"kind": "voucher"}, f"{P}.kind: expected one of issued, pos, all_loyalty"),
    (0, {"active": "yes"}, f"{P}.active: expected true or false"),
    (0, {"application_mode": "cashback"}, f"{P}.application_mode: expected one of"),
    (0, {"ends_at": "2024-01-01T00:00:00Z"}, f"{P}.ends_at: must be after starts_at"),
    (0, {"starts_at": "2025-01-01"}, f"{P}.starts_at: expected an ISO-8601 time"),
    (0, {"custom_field_values": ["a"]}, f"{P}.custom_field_values: expected an object"),
    (0, {"milestone_id": "m" * 65}, f"{P}.milestone_id: at most 64 characters"),
    (0, {"priority": 1.5}, f"{P}.priority: expected an integer"),
    (0, {"prio": 1}, f"{P}.prio: unknown key"),
    (0, {"id": "bad id"}, 'promotions[0] (bad id).id: "bad id" does not match'),
    (
        0,
        {
            "restrictions": [
                {"level": "product", "kpi": "redemption", "max_limit": 1, "product_sku": "S"}
            ]
        },
        f"{P}.restrictions[0].kpi: product limits take only discount",
    ),
    (
        0,
        {
            "restrictions": [
                {"level": "category", "kpi": "discount", "max_limit": 1, "category_id": "c"}
            ]
        },
        f"{P}.restrictions[0].kpi: category limits take only redemption",
    ),
    (
        0,
        {"restrictions": [{"level": "product", "kpi": "discount", "max_limit": 1}]},
        f"{P}.restrictions[0].product_sku: required for product limits",
    ),
    (
        0,
        {
            "restrictions": [
                {"level": "cart", "kpi": "discount", "max_limit": 1, "category_id": "c"}
            ]
        },
        f"{P}.restrictions[0].category_id: only category limits name a category_id",
    ),
    (
        0,
        {"restrictions": [{"level": "cart", "kpi": "redemption", "max_limit": 2.5}]},
        f"{P}.restrictions[0].max_limit: a count of redemption is a whole number, got 2.5",
    ),
    (
        0,
        {"restrictions": [{"level": "cart", "kpi": "discount", "max_limit": 0}]},
        f"{P}.restrictions[0].max_limit: expected more than 0",
    ),
    (
        0,
        {"restrictions": [{"level": "cart", "kpi": "discount", "max_limit": "9.999"}]},
        f"{P}.restrictions[0].max_limit: at most two decimals",
    ),
    (
        0,
        {"restrictions": [{"level": "shelf", "kpi": "redemption", "max_limit": 1}]},
        f"{P}.restrictions[0].level: expected one of cart, customer",
    ),
    (0, {"restrictions": [EVERY_LIMIT[0], EVERY_LIMIT[0]]}, f"{P}.restrictions[1]: the same limit"),
    (
        0,
        {"tiers": [{"program": "acme-rewards", "tier": "acme-gold"}]},
        f"{P}.tiers: only pos promotions take tiers, this one is issued",
    ),
    (0, {"programs": ["acme-skymiles"]}, f"{P}.programs: only pos promotions take programs"),
    (
        1,
        {"programs": ["acme-club", "acme-club"]},
        f"{G}.programs[1]: program 'acme-club' is listed",
    ),
    (
        1,
        {"tiers": [{"program": "acme-rewards", "tier": "acme-gold"}] * 2},
        f"{G}.tiers[1].tier: tier 'acme-gold' is listed twice",
    ),
]


@pytest.mark.parametrize(("index", "changes", "problem"), INVALID)
def test_invalid_promotions_name_the_path(
    index: int, changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_file(with_promotion(index, **changes))
    assert problem in str(caught.value)


PROGRAM = FILE["loyalty_programs"][0]
INVALID_PROGRAMS = [
    ({"type": "default"}, "loyalty_programs[0] (acme-club).partner_program_id: a default program"),
    (
        {"partner_program_id": None},
        "loyalty_programs[0] (acme-club).partner_program_id: required for supplementary",
    ),
    (
        {"tiers": [{"id": "t1", "name": "T", "rank": 0}, {"id": "t2", "name": "U", "rank": 0}]},
        "loyalty_programs[0] (acme-club).tiers[1].rank: another tier of the program has rank 0",
    ),
    ({"tiers": [{"id": "t1", "name": "T", "rank": -1}]}, ".tiers[0].rank: expected 0 to 10000"),
]


@pytest.mark.parametrize(("changes", "problem"), INVALID_PROGRAMS)
def test_invalid_programs_name_the_path(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_file({"loyalty_programs": [{**PROGRAM, **changes}]})
    assert problem in str(caught.value)


def test_problems_of_every_section_are_reported_together() -> None:
    data = {**with_promotion(0, kind="voucher"), "plays": [{"id": "p"}]}
    with pytest.raises(CatalogError) as caught:
        parse_file(data)
    message = str(caught.value)
    assert f"{P}.kind" in message
    assert "plays[0] (p).brand: required" in message


REFERENCES = [
    # (file, the problem found against the database)
    (with_promotion(0, brand="initech"), f"{P}.brand: no brand 'initech'"),
    (
        with_promotion(1, tiers=[{"program": "acme-nope", "tier": "acme-gold"}]),
        f"{G}.tiers[0].program: no loyalty program 'acme-nope'",
    ),
    (
        with_promotion(1, tiers=[{"program": "acme-rewards", "tier": "acme-club-plus"}]),
        f"{G}.tiers[0].tier: no tier 'acme-club-plus' in 'acme-rewards'",
    ),
    (with_promotion(1, programs=["acme-nope"]), f"{G}.programs[0]: no loyalty program 'acme-nope'"),
    (
        with_promotion(1, programs=["acme-rewards"]),
        f"{G}.programs[0]: 'acme-rewards' is a default program: tag its tiers",
    ),
    (
        {
            "promotions": [
                {"id": "acme-welcome10", "brand": "globex", "name": "W", "kind": "issued"}
            ]
        },
        "promotions[0] (acme-welcome10).brand: the promotion belongs to brand 'acme' and keeps it",
    ),
    (
        {"promotions": [{"id": "acme-welcome10", "brand": "acme", "name": "W", "kind": "pos"}]},
        "promotions[0] (acme-welcome10).kind: 1 customers hold this issued promotion",
    ),
    (
        {"loyalty_programs": [{**PROGRAM, "id": "acme-skymiles", "brand": "globex", "tiers": []}]},
        "loyalty_programs[0] (acme-skymiles).brand: the program belongs to brand 'acme'",
    ),
    (
        {"loyalty_programs": [{**PROGRAM, "id": "acme-rewards", "tiers": []}]},
        "loyalty_programs[0] (acme-rewards).type: the program is default and keeps its type",
    ),
    (
        {"loyalty_programs": [{**PROGRAM, "tiers": [{"id": "acme-gold", "name": "G", "rank": 5}]}]},
        "loyalty_programs[0] (acme-club).tiers[0].id: tier 'acme-gold' belongs to program",
    ),
]


@pytest.mark.parametrize(("data", "problem"), REFERENCES)
async def test_references_are_checked_and_nothing_is_written(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection, data: dict[str, Any], problem: str
) -> None:
    before = await snapshot(conn)
    with pytest.raises(CatalogError) as caught:
        await load_path(database_dsn, write(tmp_path, data))
    assert problem in str(caught.value)
    assert await snapshot(conn) == before


async def test_one_bad_entry_changes_nothing(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    """Good programs, promotions and an offer in the file; one tier tag names no tier."""
    data = with_promotion(1, tiers=[{"program": "acme-rewards", "tier": "acme-platinum"}])
    data["offers"] = [
        {
            "id": "acme-also-new",
            "brand": "acme",
            "name": "Also new",
            "default_locale": "en",
            "content": {"en": {"title": "Hi", "description": "<p>Hi</p>"}},
            "options": [{"id": "go", "label": "Go", "processing_type": "checkout"}],
        }
    ]
    before = await snapshot(conn)

    with pytest.raises(CatalogError, match=r"promotions\[1\] \(load-gold\)\.tiers\[0\]\.tier"):
        await load_path(database_dsn, write(tmp_path, data))

    assert await snapshot(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM offers WHERE offer_id = 'acme-also-new'") == 0


async def test_dry_run_checks_promotions_and_writes_nothing(
    database_dsn: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    before = await snapshot(conn)
    summary = await load_path(database_dsn, write(tmp_path, FILE), dry_run=True)
    assert summary.promotions == 3
    assert await snapshot(conn) == before


async def test_reloading_the_demo_catalog_changes_nothing(
    database_dsn: str, conn: asyncpg.Connection
) -> None:
    """The demo database was built from this file (then used): loading it again is a no-op."""
    before = await snapshot(conn)

    summary = await load_path(database_dsn, Path("sql/demo/010_promotions.yaml"))

    assert (summary.loyalty_programs, summary.promotions) == (3, 13)
    assert await snapshot(conn) == before
