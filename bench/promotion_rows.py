"""Rows of the cart-promotion tables for the benchmark dataset: the promotions of ``bench-a``
with limits at every level, the promotions each customer holds, and the redemption ledger.

Each customer holds ``promotions_per_customer`` issued promotions (some earned through a
supplementary program, some locked); tier and program tags add POS promotions on top. Usage
counters are not generated here: ``dataset`` computes them from the ledger, so they always agree.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson

from bench.customer_rows import TIERS, program_id, tier_id
from bench.shape import Shape, customer_id

BRAND = "bench-a"
STARTS = datetime(2025, 1, 1, tzinfo=UTC)
ENDS = datetime(2030, 12, 31, tzinfo=UTC)
SKUS = tuple(f"sku-{i}" for i in range(20))
CATEGORIES = tuple(f"cat-{i}" for i in range(5))
CHANNELS = ("web", "app", "store")
CUSTOMERS_PER_CHUNK = 10_000
EARNED_TYPES = ("none", "none", "reward", "loyalty", "tier")

# (level, kpi, max_limit, product_sku, category_id); a promotion takes several of them.
RESTRICTION_TEMPLATES: tuple[tuple[str, str, Decimal, str | None, str | None], ...] = (
    ("customer", "redemption", Decimal(10), None, None),
    ("promotion", "redemption", Decimal(1_000_000), None, None),
    ("cart", "redemption", Decimal(1), None, None),
    ("customer", "discount", Decimal("500.00"), None, None),
    ("customer", "transaction", Decimal(20), None, None),
    ("product", "discount", Decimal("100.00"), "sku-3", None),
    ("category", "redemption", Decimal(5), None, "cat-1"),
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "promotions": (
        "promotion_id", "brand_id", "name", "kind", "is_active", "application_mode", "starts_at",
        "ends_at", "custom_field_values", "milestone_id", "target_group_id", "priority",
    ),
    "promotion_restrictions": (
        "promotion_id", "level", "kpi", "max_limit", "product_sku", "category_id",
    ),
    "promotion_tiers": ("promotion_id", "program_id", "tier_id"),
    "promotion_programs": ("promotion_id", "program_id", "program_type"),
    "customer_promotions": (
        "customer_id", "promotion_id", "brand_id", "earned_type", "earned_status", "valid_till",
        "event_time", "milestone_id", "supplementary_program_id", "supplementary_type",
    ),
    "redemptions": (
        "customer_id", "idempotency_key", "promotion_id", "request_hash", "outcome",
        "transaction_id", "cart_id", "amount", "product_sku", "category_id", "attempted_at",
    ),
}  # fmt: skip

Rows = dict[str, list[tuple[object, ...]]]


def issued_promotion_id(number: int) -> str:
    """The id of issued promotion ``number``."""
    return f"bp-{number:04d}"


def catalog_rows(shape: Shape, seed: int = 11) -> Rows:
    """Promotions (issued, POS by tier and by program, all-loyalty), tags and restrictions."""
    rng = random.Random(seed)
    rows: Rows = {
        name: [] for name in COLUMNS if name not in ("customer_promotions", "redemptions")
    }
    promotions: list[tuple[str, str]] = [
        (issued_promotion_id(n), "issued") for n in range(shape.issued_promotions)
    ]
    for tier in TIERS:
        for n in range(2):
            pid = f"bp-pos-{tier}-{n}"
            promotions.append((pid, "pos"))
            rows["promotion_tiers"].append(
                (pid, program_id(BRAND, "loyalty"), tier_id(BRAND, tier))
            )
    for suffix, kind in (("partner-air", "supplementary"), ("partner-hotel", "external")):
        for n in range(2):
            pid = f"bp-prog-{suffix}-{n}"
            promotions.append((pid, "pos"))
            rows["promotion_programs"].append((pid, program_id(BRAND, suffix), kind))
    promotions.extend((f"bp-all-{n}", "all_loyalty") for n in range(3))
    for number, (pid, kind) in enumerate(promotions):
        expired = number % 25 == 24
        rows["promotions"].append(
            (
                pid, BRAND, f"Promotion {pid}", kind, number % 20 != 19,
                "reward" if number % 7 == 0 else "discount", STARTS,
                datetime(2025, 6, 30, tzinfo=UTC) if expired else ENDS,
                orjson.dumps({"channel": rng.choice(CHANNELS), "n": number}).decode(),
                f"ms-{number % 9}" if number % 3 == 0 else None,
                f"tg-{number % 5}" if number % 4 == 0 else None, rng.randrange(100),
            ),
        )  # fmt: skip
        if number % 10 == 9:
            continue  # a few promotions have no limit (restrictions: null)
        count = 2 + number % 4
        for template in rng.sample(RESTRICTION_TEMPLATES, count):
            rows["promotion_restrictions"].append((pid, *template))
    return rows


def holdings(shape: Shape, number: int) -> list[str]:
    """The issued promotions customer ``number`` holds (distinct, deterministic)."""
    start = (number * 37) % shape.issued_promotions
    step = 17  # coprime with the catalog size: no repeats within 10
    return [
        issued_promotion_id((start + k * step) % shape.issued_promotions)
        for k in range(shape.promotions_per_customer)
    ]


def customer_promotion_rows(shape: Shape, seed: int = 13) -> Iterator[Rows]:
    """customer_promotions and redemptions, in chunks of ``CUSTOMERS_PER_CHUNK`` customers."""
    rng = random.Random(seed)
    ledger_per_customer, ledger_extra = divmod(shape.ledger_rows, shape.customers)
    chunk: Rows = {"customer_promotions": [], "redemptions": []}
    for number in range(shape.customers):
        cid = customer_id(number)
        held = holdings(shape, number)
        for k, pid in enumerate(held):
            through_air = k == 0 and number % 3 == 0
            earned = rng.choice(EARNED_TYPES)
            chunk["customer_promotions"].append(
                (
                    cid, pid, BRAND, earned, "locked" if rng.random() < 0.1 else "unlocked",
                    ENDS - timedelta(days=rng.randrange(2000)) if rng.random() < 0.3 else None,
                    STARTS + timedelta(hours=rng.randrange(8000)),
                    f"ms-{k}" if earned == "reward" else None,
                    program_id(BRAND, "partner-air") if through_air else None,
                    "supplementary" if through_air else None,
                ),
            )  # fmt: skip
        for j in range(ledger_per_customer + (1 if number < ledger_extra else 0)):
            transaction = f"t-{number}-{j}"
            chunk["redemptions"].append(
                (
                    cid, f"k-{j}", held[j % len(held)], rng.randbytes(32),
                    "redeemed" if rng.random() < 0.95 else "expired", transaction, transaction,
                    Decimal(rng.randrange(100, 2_000)) / 100, rng.choice(SKUS),
                    rng.choice(CATEGORIES), STARTS + timedelta(minutes=rng.randrange(700_000)),
                ),
            )  # fmt: skip
        if (number + 1) % CUSTOMERS_PER_CHUNK == 0:
            yield chunk
            chunk = {"customer_promotions": [], "redemptions": []}
    if chunk["customer_promotions"]:
        yield chunk
