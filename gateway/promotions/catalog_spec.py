"""The ``loyalty_programs`` and ``promotions`` sections of a config file, validated into specs.

``parse_promotion_sections(data)`` checks everything it can without a database (types, the limit
rules of REFERENCE B, tags only on POS promotions, limit fields) and raises
``CatalogError`` listing every problem with its path, in the style of the offers sections:
``promotions[2] (acme-x).restrictions[0].kpi: product limits take only discount``.
References (brands, programs, tiers, in the file or stored) are checked by ``catalog_file``
against the database before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.catalog.fields import ID, CatalogError, Entry, Problems, jsonable

SECTIONS = ("loyalty_programs", "promotions")
KINDS = ("issued", "pos", "all_loyalty")
APPLICATION_MODES = ("discount", "reward")
LEVELS = ("cart", "customer", "promotion", "product", "category")
KPIS = ("redemption", "discount", "transaction")
PROGRAM_TYPES = ("default", "supplementary", "external")
# numeric(14, 2) in sql/010_promotions.sql
MAX_LIMIT = Decimal("999999999999.99")
MAX_TIER_RANK = 10_000
TAG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True)
class TierSpec:
    """A tier of a loyalty program."""

    id: str
    name: str
    rank: int


@dataclass(frozen=True)
class LoyaltyProgramSpec:
    """A loyalty program and the tiers the file lists for it (others stored are kept)."""

    id: str
    brand: str
    name: str
    type: str
    partner_program_id: str | None
    tiers: tuple[TierSpec, ...]


@dataclass(frozen=True)
class RestrictionSpec:
    """One limit; (level, kpi, product_sku, category_id) is its natural key."""

    level: str
    kpi: str
    max_limit: Decimal
    product_sku: str | None
    category_id: str | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The natural key, as the unique index compares it (NULL as '')."""
        return (self.level, self.kpi, self.product_sku or "", self.category_id or "")


@dataclass(frozen=True)
class TierTagSpec:
    """A POS promotion's tag: members of this tier of this program see it."""

    program: str
    tier: str


@dataclass(frozen=True)
class PromotionSpec:
    """A promotion. ``None`` for restrictions, tiers or programs: the key was absent, keep them."""

    id: str
    brand: str
    name: str
    kind: str
    active: bool
    application_mode: str
    starts_at: datetime | None
    ends_at: datetime | None
    custom_field_values: dict[str, Any]
    milestone_id: str | None
    target_group_id: str | None
    priority: int
    restrictions: tuple[RestrictionSpec, ...] | None
    tiers: tuple[TierTagSpec, ...] | None
    programs: tuple[str, ...] | None
    path: str  # ``promotions[2] (acme-x)``, for errors found later against the database


@dataclass(frozen=True)
class PromotionSections:
    """What the file declares for cart promotions."""

    loyalty_programs: tuple[LoyaltyProgramSpec, ...] = ()
    promotions: tuple[PromotionSpec, ...] = ()


def describe(level: str, kpi: str, product_sku: str | None, category_id: str | None) -> str:
    """A limit in words, for errors.

    >>> describe("product", "discount", "SKU-TV-55", None)
    'product/discount SKU-TV-55'
    """
    scope = product_sku or category_id
    return f"{level}/{kpi}" + (f" {scope}" if scope else "")


def parse_promotion_sections(data: object) -> PromotionSections:
    """Validate the two sections of a loaded file; raise ``CatalogError`` on any problem.

    >>> parse_promotion_sections({"promotions": []}).promotions
    ()
    """
    problems = Problems()
    root = data if isinstance(data, Mapping) else {}
    programs = _programs(_section(root, "loyalty_programs", problems), problems)
    promotions = _promotions(_section(root, "promotions", problems), problems)
    if problems:
        raise CatalogError(str(problems))
    return PromotionSections(programs, promotions)


def _section(root: Mapping[str, Any], key: str, problems: Problems) -> list[Entry]:
    entries = Entry(root, "", problems).entries(key)
    for entry in entries:
        entry.path = entry.path.lstrip(".")
        entry_id = entry.data.get("id")
        if isinstance(entry_id, str):
            entry.path = f"{entry.path} ({entry_id})"
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.data.get("id")
        if isinstance(entry_id, str):
            if entry_id in seen:
                problems.add(entry.at("id"), f"{key[:-1]} {entry_id!r} appears twice")
            seen.add(entry_id)
    return entries


def _programs(entries: list[Entry], problems: Problems) -> tuple[LoyaltyProgramSpec, ...]:
    programs = []
    tier_ids: set[str] = set()
    for entry in entries:
        entry.check_keys(("id", "brand", "name", "type", "partner_program_id", "tiers"))
        program_id = entry.text("id", pattern=ID)
        brand = entry.text("brand", pattern=ID)
        name = entry.text("name")
        program_type = entry.text("type", choices=PROGRAM_TYPES)
        partner = entry.text("partner_program_id", required=False, max_length=64)
        if program_type == "default" and partner is not None:
            problems.add(entry.at("partner_program_id"), "a default program has no partner")
        elif program_type not in (None, "default") and entry.data.get("partner_program_id") is None:
            problems.add(entry.at("partner_program_id"), f"required for {program_type} programs")
        tiers = []
        ranks: set[int] = set()
        for tier_entry in entry.entries("tiers"):
            tier_entry.check_keys(("id", "name", "rank"))
            tier_id = tier_entry.text("id", pattern=TAG_ID)
            tier_name = tier_entry.text("name", max_length=100)
            rank = tier_entry.integer("rank", required=True, low=0, high=MAX_TIER_RANK)
            if tier_id is not None and tier_id in tier_ids:
                problems.add(tier_entry.at("id"), f"tier {tier_id!r} appears twice in the file")
            if rank is not None and rank in ranks:
                problems.add(tier_entry.at("rank"), f"another tier of the program has rank {rank}")
            if tier_id is None or tier_name is None or rank is None:
                continue
            tier_ids.add(tier_id)
            ranks.add(rank)
            tiers.append(TierSpec(tier_id, tier_name, rank))
        if program_id and brand and name and program_type:
            programs.append(
                LoyaltyProgramSpec(program_id, brand, name, program_type, partner, tuple(tiers))
            )
    return tuple(programs)


def _promotions(entries: list[Entry], problems: Problems) -> tuple[PromotionSpec, ...]:
    return tuple(p for p in (_promotion(e, problems) for e in entries) if p is not None)


def _promotion(entry: Entry, problems: Problems) -> PromotionSpec | None:
    entry.check_keys(
        (
            "id", "brand", "name", "kind", "active", "application_mode", "starts_at", "ends_at",
            "custom_field_values", "milestone_id", "target_group_id", "priority", "restrictions",
            "tiers", "programs",
        )
    )  # fmt: skip
    promotion_id = entry.text("id", pattern=ID)
    brand = entry.text("brand", pattern=ID)
    name = entry.text("name")
    kind = entry.text("kind", choices=KINDS)
    active = entry.data.get("active", True)
    if not isinstance(active, bool):
        problems.add(entry.at("active"), "expected true or false")
    mode = entry.text("application_mode", required=False, choices=APPLICATION_MODES)
    starts_at, ends_at = entry.moment("starts_at"), entry.moment("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        problems.add(entry.at("ends_at"), "must be after starts_at")
    custom = entry.data.get("custom_field_values", {})
    if not isinstance(custom, Mapping):
        problems.add(entry.at("custom_field_values"), "expected an object")
    milestone = entry.text("milestone_id", required=False, max_length=64)
    target_group = entry.text("target_group_id", required=False, max_length=64)
    priority = entry.integer("priority", low=-1_000_000, high=1_000_000) or 0
    restrictions = _restrictions(entry) if "restrictions" in entry.data else None
    tiers = _tier_tags(entry) if "tiers" in entry.data else None
    programs = _program_tags(entry) if "programs" in entry.data else None
    if kind is not None and kind != "pos":
        for key, tags in (("tiers", tiers), ("programs", programs)):
            if tags:
                problems.add(entry.at(key), f"only pos promotions take {key}, this one is {kind}")
    if not (promotion_id and brand and name and kind) or not isinstance(active, bool):
        return None
    if not isinstance(custom, Mapping):
        return None
    custom_values = jsonable(custom)
    assert isinstance(custom_values, dict)
    return PromotionSpec(
        promotion_id, brand, name, kind, active, mode or "discount", starts_at, ends_at,
        custom_values, milestone, target_group, priority, restrictions, tiers, programs,
        entry.path,
    )  # fmt: skip


def _restrictions(entry: Entry) -> tuple[RestrictionSpec, ...]:
    found: dict[tuple[str, str, str, str], int] = {}
    restrictions = []
    for i, item in enumerate(entry.entries("restrictions")):
        restriction = _restriction(item)
        if restriction is None:
            continue
        if restriction.key in found:
            item.problems.add(
                item.path,
                f"the same limit ({describe(*restriction.key)})"
                f" as restrictions[{found[restriction.key]}]",
            )
            continue
        found[restriction.key] = i
        restrictions.append(restriction)
    return tuple(restrictions)


def _restriction(entry: Entry) -> RestrictionSpec | None:
    entry.check_keys(("level", "kpi", "max_limit", "product_sku", "category_id"))
    level = entry.text("level", choices=LEVELS)
    kpi = entry.text("kpi", choices=KPIS)
    sku = entry.text("product_sku", required=False, max_length=128)
    category = entry.text("category_id", required=False, max_length=128)
    if level == "product" and kpi not in (None, "discount"):
        entry.problems.add(entry.at("kpi"), "product limits take only discount")
    if level == "category" and kpi not in (None, "redemption"):
        entry.problems.add(entry.at("kpi"), "category limits take only redemption")
    for key, value, owner in (
        ("product_sku", sku, "product"),
        ("category_id", category, "category"),
    ):
        if level == owner and value is None and key not in entry.data:
            entry.problems.add(entry.at(key), f"required for {owner} limits")
        elif level not in (None, owner) and value is not None:
            entry.problems.add(entry.at(key), f"only {owner} limits name a {key}")
    max_limit = _max_limit(entry, kpi)
    if level is None or kpi is None or max_limit is None:
        return None
    return RestrictionSpec(level, kpi, max_limit, sku, category)


def _max_limit(entry: Entry, kpi: str | None) -> Decimal | None:
    value = entry.data.get("max_limit")
    path = entry.at("max_limit")
    if value is None:
        entry.problems.add(path, "required")
        return None
    if kpi != "discount":
        # Counts: redemptions or transactions, whole numbers only.
        if not isinstance(value, int) or isinstance(value, bool):
            entry.problems.add(path, f"a count of {kpi or 'uses'} is a whole number, got {value!r}")
            return None
        number = Decimal(value)
    else:
        amount = _decimal(value)
        if amount is None:
            entry.problems.add(path, f"expected an amount such as 25.00, got {value!r}")
            return None
        number = amount
        if number != round(number, 2):
            entry.problems.add(path, "at most two decimals")
            return None
    if not (0 < number <= MAX_LIMIT):
        entry.problems.add(path, f"expected more than 0 and at most {MAX_LIMIT}, got {value!r}")
        return None
    return number


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _tier_tags(entry: Entry) -> tuple[TierTagSpec, ...]:
    tags = []
    seen: set[str] = set()
    for item in entry.entries("tiers"):
        item.check_keys(("program", "tier"))
        program = item.text("program", pattern=TAG_ID)
        tier = item.text("tier", pattern=TAG_ID)
        if tier is not None and tier in seen:
            item.problems.add(item.at("tier"), f"tier {tier!r} is listed twice")
            continue
        if program and tier:
            seen.add(tier)
            tags.append(TierTagSpec(program, tier))
    return tuple(tags)


def _program_tags(entry: Entry) -> tuple[str, ...]:
    raw = entry.data.get("programs")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        entry.problems.add(entry.at("programs"), "expected a list of program ids")
        return ()
    programs: list[str] = []
    for i, program in enumerate(raw):
        path = f"{entry.at('programs')}[{i}]"
        if not isinstance(program, str) or not TAG_ID.match(program):
            entry.problems.add(path, f"expected a program id, got {program!r}")
        elif program in programs:
            entry.problems.add(path, f"program {program!r} is listed twice")
        else:
            programs.append(program)
    return tuple(programs)
