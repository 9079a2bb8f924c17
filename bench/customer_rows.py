"""Rows of the customer tables for the benchmark dataset: profiles, brands, subscriptions, end
users with roles, custom attributes and loyalty memberships. Seeded, so every build is the same.

Every customer belongs to brand ``bench-a`` (one subscription there); one in five also belongs to
``bench-b`` with a second subscription, so requests name their ``subscriptionId``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson

from bench.shape import Shape, customer_id

BRANDS = (("bench-a", "Bench Streaming"), ("bench-b", "Bench News"))
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
PLANS = tuple(f"plan-{i}" for i in range(30))
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "SE", "PL", "JP", "KR", "CA")
SEGMENTS = ("consumer", "consumer", "consumer", "smb", "enterprise")
STAGES = ("lead", "trial", "active", "active", "active", "at_risk", "churned")
STATUSES = ("active",) * 7 + ("in_trial", "non_renewing", "paused")
ROLES = ("admin", "billing", "member", "owner", "viewer")
INTERESTS = ("sports", "news", "movies", "music", "kids")
TIERS = ("bronze", "silver", "gold", "platinum")
# (program id suffix, type, partner program id)
PROGRAMS = (
    ("loyalty", "default", None),
    ("partner-air", "supplementary", "air-miles"),
    ("partner-hotel", "external", "hotel-nights"),
)


def program_id(brand_id: str, suffix: str) -> str:
    """The id of one of a brand's loyalty programs."""
    return f"{brand_id}-{suffix}"


def tier_id(brand_id: str, tier: str) -> str:
    """The id of one tier of a brand's default program."""
    return f"{brand_id}-{tier}"


@dataclass
class CustomerRows:
    """Rows per table, as tuples in the table's column order (see ``COLUMNS``)."""

    tables: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[object, ...]) -> None:
        """Append one row of ``table``."""
        self.tables.setdefault(table, []).append(row)


COLUMNS: dict[str, tuple[str, ...]] = {
    "brands": ("brand_id", "name"),
    "loyalty_programs": ("program_id", "brand_id", "name", "program_type", "partner_program_id"),
    "loyalty_tiers": ("tier_id", "program_id", "name", "rank"),
    "customers": (
        "customer_id", "first_name", "last_name", "email", "company", "region", "country",
        "lifecycle_stage", "segment", "created_at",
    ),
    "customer_brands": ("customer_id", "brand_id"),
    "subscriptions": (
        "customer_id", "subscription_id", "brand_id", "plan_id", "status", "billing_period",
        "billing_period_unit", "amount", "currency", "started_at", "term_end",
        "cancel_scheduled_at",
    ),
    "end_users": ("customer_id", "external_user_id", "email", "roles"),
    "customer_attributes": ("customer_id", "name", "value"),
    "loyalty_memberships": ("customer_id", "program_id", "tier_id", "joined_at", "expires_at"),
}  # fmt: skip


def reference_rows() -> CustomerRows:
    """Brands, loyalty programs and tiers."""
    rows = CustomerRows()
    for brand_id, name in BRANDS:
        rows.add("brands", (brand_id, name))
        for suffix, kind, partner in PROGRAMS:
            title = f"{name} {suffix.replace('-', ' ')}"
            rows.add(
                "loyalty_programs", (program_id(brand_id, suffix), brand_id, title, kind, partner)
            )
        for rank, tier in enumerate(TIERS):
            rows.add(
                "loyalty_tiers",
                (tier_id(brand_id, tier), program_id(brand_id, "loyalty"), tier.title(), rank),
            )
    return rows


def customer_rows(shape: Shape, seed: int = 7) -> Iterator[CustomerRows]:
    """Rows of every customer, in chunks of up to 10,000 customers."""
    rng = random.Random(seed)
    chunk = CustomerRows()
    for number in range(shape.customers):
        _one_customer(rng, number, chunk)
        if (number + 1) % 10_000 == 0:
            yield chunk
            chunk = CustomerRows()
    if chunk.tables:
        yield chunk


def is_multi_brand(number: int) -> bool:
    """True for the customers who also belong to ``bench-b``."""
    return number % 5 == 0


def _one_customer(rng: random.Random, number: int, rows: CustomerRows) -> None:
    cid = customer_id(number)
    created = EPOCH + timedelta(minutes=rng.randrange(600 * 24 * 60))
    rows.add(
        "customers",
        (
            cid, f"First{number}", f"Last{number}", f"{cid}@bench.example",
            f"Company {number % 5000}", f"region-{number % 12}", rng.choice(COUNTRIES),
            rng.choice(STAGES), rng.choice(SEGMENTS), created,
        ),
    )  # fmt: skip
    brands = ["bench-a", "bench-b"] if is_multi_brand(number) else ["bench-a"]
    for brand_id in brands:
        rows.add("customer_brands", (cid, brand_id))
        started = created + timedelta(days=rng.randrange(30))
        yearly = rng.random() < 0.3
        cancel = started + timedelta(days=400) if rng.random() < 0.05 else None
        rows.add(
            "subscriptions",
            (
                cid, f"{cid}-{brand_id[-1]}", brand_id, rng.choice(PLANS), rng.choice(STATUSES), 1,
                "year" if yearly else "month", Decimal(rng.randrange(500, 20_000)) / 100, "USD",
                started, started + timedelta(days=365 if yearly else 30), cancel,
            ),
        )  # fmt: skip
    rows.add("end_users", (cid, "u1", f"u1.{cid}@bench.example", rng.sample(ROLES, 2)))
    rows.add("end_users", (cid, "u2", f"u2.{cid}@bench.example", ["member"]))
    attributes = {
        "score": rng.randrange(100),
        "interest": rng.choice(INTERESTS),
        "newsletter": rng.random() < 0.5,
    }
    for name, value in attributes.items():
        rows.add("customer_attributes", (cid, name, orjson.dumps(value).decode()))
    draw = rng.random()
    if draw < 0.6:
        tier = TIERS[min(3, int(rng.random() ** 2 * 4))]
        rows.add(
            "loyalty_memberships",
            (cid, program_id("bench-a", "loyalty"), tier_id("bench-a", tier), created, None),
        )
    if draw < 0.3 or draw > 0.9:
        suffix = "partner-air" if draw < 0.3 else "partner-hotel"
        rows.add("loyalty_memberships", (cid, program_id("bench-a", suffix), None, created, None))
