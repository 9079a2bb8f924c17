"""Applying the ``loyalty_programs`` and ``promotions`` sections of a config file.

Called by ``gateway.catalog.load`` inside the file's one transaction: first
``check_promotion_references`` (everything the file names must exist and fit, stored limits that
the file drops must be unused; nothing written yet), then ``write_promotion_sections``.

What a load does to stored rows:
- loyalty programs and tiers are upserted; a program keeps its brand and type, a tier its program;
  tiers not listed are kept;
- promotions are upserted and never deleted (retire one with ``active: false``); a promotion keeps
  its brand, and an issued one that customers hold keeps its kind;
- ``restrictions``, ``tiers`` and ``programs``, when given, replace the promotion's set; when
  absent, the stored set is kept. A limit is matched on its natural key (level, kpi, product_sku,
  category_id), so its id, its usage counters and the ledger rows naming it survive a change of
  max_limit. A stored limit missing from the file is deleted only when it was never used; a used
  one stops the whole load (raise its max_limit instead, or keep it);
- a promotion that is not ``pos`` has no tags: changing a POS promotion's kind drops them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import asyncpg

from gateway.promotions.catalog_spec import (
    LoyaltyProgramSpec,
    PromotionSections,
    PromotionSpec,
    describe,
)

# Ranks are moved out of the way before tiers are written, so two tiers can swap ranks.
_RANK_SHIFT = 1_000_000

_USED_LIMITS_SQL = """
SELECT r.restriction_id, r.promotion_id, r.level, r.kpi, r.product_sku, r.category_id,
       EXISTS (SELECT 1 FROM promotion_restriction_usage u
               WHERE u.restriction_id = r.restriction_id AND u.used > 0)
    OR EXISTS (SELECT 1 FROM customer_restriction_usage u
               WHERE u.restriction_id = r.restriction_id AND u.used > 0)
    OR EXISTS (SELECT 1 FROM redemptions l
               WHERE l.rejected_restriction_id = r.restriction_id) AS in_use
FROM promotion_restrictions r
WHERE r.promotion_id = ANY($1::text[])
ORDER BY r.restriction_id
"""


async def check_promotion_references(
    conn: asyncpg.Connection, sections: PromotionSections, file_brands: Iterable[str]
) -> list[str]:
    """Problems (``path: problem``) with what the sections name; an empty list when all fits.

    Locks the stored limits of promotions whose ``restrictions`` the file gives, so that a limit
    found unused stays unused until the load commits.
    """
    programs = {p.id: p for p in sections.loyalty_programs}
    promotions = sections.promotions
    problems: list[str] = []
    known_brands = set(file_brands) | await _stored_brands(
        conn,
        {p.brand for p in programs.values()} | {p.brand for p in promotions},
    )
    stored_programs = await _stored_programs(conn, list(programs))
    problems += _program_problems(sections.loyalty_programs, known_brands, stored_programs)
    problems += await _tier_problems(conn, sections.loyalty_programs)
    problems += await _promotion_problems(conn, promotions, known_brands, programs)
    problems += await _dropped_limit_problems(conn, promotions)
    return problems


async def _stored_brands(conn: asyncpg.Connection, wanted: set[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT brand_id FROM brands WHERE brand_id = ANY($1::text[])", sorted(wanted)
    )
    return {r["brand_id"] for r in rows}


async def _stored_programs(
    conn: asyncpg.Connection, program_ids: Sequence[str]
) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        """SELECT program_id, brand_id, program_type::text AS program_type
           FROM loyalty_programs WHERE program_id = ANY($1::text[])""",
        list(program_ids),
    )
    return {r["program_id"]: r for r in rows}


def _program_problems(
    programs: Sequence[LoyaltyProgramSpec],
    known_brands: set[str],
    stored: dict[str, asyncpg.Record],
) -> list[str]:
    problems = []
    for i, program in enumerate(programs):
        path = f"loyalty_programs[{i}] ({program.id})"
        if program.brand not in known_brands:
            problems.append(f"{path}.brand: no brand {program.brand!r}")
        row = stored.get(program.id)
        if row is None:
            continue
        if row["brand_id"] != program.brand:
            problems.append(
                f"{path}.brand: the program belongs to brand {row['brand_id']!r} and keeps it"
            )
        if row["program_type"] != program.type:
            problems.append(f"{path}.type: the program is {row['program_type']} and keeps its type")
    return problems


async def _tier_problems(
    conn: asyncpg.Connection, programs: Sequence[LoyaltyProgramSpec]
) -> list[str]:
    tiers = [(i, j, p, t) for i, p in enumerate(programs) for j, t in enumerate(p.tiers)]
    rows = await conn.fetch(
        """SELECT tier_id, program_id, rank FROM loyalty_tiers
           WHERE tier_id = ANY($1::text[]) OR program_id = ANY($2::text[])""",
        [t.id for *_, t in tiers],
        [p.id for p in programs],
    )
    listed = {t.id for *_, t in tiers}
    program_of = {r["tier_id"]: r["program_id"] for r in rows}
    # Ranks held by stored tiers that the file does not list (and so keeps).
    kept_ranks = {
        (r["program_id"], r["rank"]): r["tier_id"] for r in rows if r["tier_id"] not in listed
    }
    problems = []
    for i, j, program, tier in tiers:
        path = f"loyalty_programs[{i}] ({program.id}).tiers[{j}]"
        owner = program_of.get(tier.id)
        if owner is not None and owner != program.id:
            problems.append(f"{path}.id: tier {tier.id!r} belongs to program {owner!r}")
        holder = kept_ranks.get((program.id, tier.rank))
        if holder is not None:
            problems.append(f"{path}.rank: stored tier {holder!r} has rank {tier.rank}")
    return problems


async def _promotion_problems(
    conn: asyncpg.Connection,
    promotions: Sequence[PromotionSpec],
    known_brands: set[str],
    file_programs: dict[str, LoyaltyProgramSpec],
) -> list[str]:
    stored = {
        r["promotion_id"]: r
        for r in await conn.fetch(
            """SELECT p.promotion_id, p.brand_id, p.kind::text AS kind,
                      (SELECT count(*) FROM customer_promotions c
                       WHERE c.promotion_id = p.promotion_id) AS holders
               FROM promotions p WHERE p.promotion_id = ANY($1::text[])""",
            [p.id for p in promotions],
        )
    }
    wanted = {t.program for p in promotions for t in p.tiers or ()}
    wanted |= {program for p in promotions for program in p.programs or ()}
    programs = {
        program_id: (row["brand_id"], row["program_type"])
        for program_id, row in (await _stored_programs(conn, sorted(wanted))).items()
    }
    programs |= {p.id: (p.brand, p.type) for p in file_programs.values()}
    tier_rows = await conn.fetch(
        "SELECT tier_id, program_id FROM loyalty_tiers WHERE tier_id = ANY($1::text[])",
        sorted({t.tier for p in promotions for t in p.tiers or ()}),
    )
    tier_program = {r["tier_id"]: r["program_id"] for r in tier_rows}
    tier_program |= {t.id: p.id for p in file_programs.values() for t in p.tiers}
    problems = []
    for promotion in promotions:
        path = promotion.path
        if promotion.brand not in known_brands:
            problems.append(f"{path}.brand: no brand {promotion.brand!r}")
        row = stored.get(promotion.id)
        if row is not None and row["brand_id"] != promotion.brand:
            problems.append(
                f"{path}.brand: the promotion belongs to brand {row['brand_id']!r} and keeps it"
            )
        if row is not None and row["kind"] != promotion.kind and row["holders"]:
            problems.append(
                f"{path}.kind: {row['holders']} customers hold this {row['kind']} promotion;"
                " its kind cannot change"
            )
        for i, tag in enumerate(promotion.tiers or ()):
            program = programs.get(tag.program)
            if program is None:
                problems.append(f"{path}.tiers[{i}].program: no loyalty program {tag.program!r}")
                continue
            if program[0] != promotion.brand:
                problems.append(
                    f"{path}.tiers[{i}].program: program {tag.program!r} is of brand {program[0]!r}"
                )
            if tier_program.get(tag.tier) != tag.program:
                problems.append(f"{path}.tiers[{i}].tier: no tier {tag.tier!r} in {tag.program!r}")
        for i, program_id in enumerate(promotion.programs or ()):
            program = programs.get(program_id)
            if program is None:
                problems.append(f"{path}.programs[{i}]: no loyalty program {program_id!r}")
            elif program[0] != promotion.brand:
                problems.append(
                    f"{path}.programs[{i}]: program {program_id!r} is of brand {program[0]!r}"
                )
            elif program[1] == "default":
                problems.append(
                    f"{path}.programs[{i}]: {program_id!r} is a default program: tag its tiers"
                )
    return problems


async def _dropped_limit_problems(
    conn: asyncpg.Connection, promotions: Sequence[PromotionSpec]
) -> list[str]:
    replaced = {p.id: p for p in promotions if p.restrictions is not None}
    if not replaced:
        return []
    # Lock first, then read the usage: a redemption that counted against one of these limits
    # has committed by now, and none can start counting until the load ends.
    await conn.execute(
        "SELECT 1 FROM promotion_restrictions WHERE promotion_id = ANY($1::text[]) FOR UPDATE",
        list(replaced),
    )
    problems = []
    for row in await conn.fetch(_USED_LIMITS_SQL, list(replaced)):
        promotion = replaced[row["promotion_id"]]
        key = (row["level"], row["kpi"], row["product_sku"] or "", row["category_id"] or "")
        kept = {r.key for r in promotion.restrictions or ()}
        if key in kept or not row["in_use"]:
            continue
        problems.append(
            f"{promotion.path}.restrictions: the stored limit "
            f"{describe(row['level'], row['kpi'], row['product_sku'], row['category_id'])} "
            f"(id {row['restriction_id']}) has been used and cannot be removed; keep it in the "
            "file (raise its max_limit to loosen it)"
        )
    return problems


async def write_promotion_sections(conn: asyncpg.Connection, sections: PromotionSections) -> None:
    """Write checked sections (``check_promotion_references`` found nothing) on ``conn``."""
    await _write_programs(conn, sections.loyalty_programs)
    if sections.promotions:
        await _write_promotions(conn, sections.promotions)


async def _write_programs(conn: asyncpg.Connection, programs: Sequence[LoyaltyProgramSpec]) -> None:
    if not programs:
        return
    await conn.executemany(
        """INSERT INTO loyalty_programs (program_id, brand_id, name, program_type,
                                         partner_program_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (program_id) DO UPDATE SET
               name = EXCLUDED.name, partner_program_id = EXCLUDED.partner_program_id
           WHERE (loyalty_programs.name, loyalty_programs.partner_program_id)
                 IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.partner_program_id)""",
        [(p.id, p.brand, p.name, p.type, p.partner_program_id) for p in programs],
    )
    tiers = [(t.id, p.id, t.name, t.rank) for p in programs for t in p.tiers]
    if not tiers:
        return
    await conn.execute(
        """UPDATE loyalty_tiers t SET rank = t.rank + $3
           FROM unnest($1::text[], $2::int[]) AS x(tier_id, rank)
           WHERE t.tier_id = x.tier_id AND t.rank <> x.rank""",
        [t[0] for t in tiers],
        [t[3] for t in tiers],
        _RANK_SHIFT,
    )
    await conn.executemany(
        """INSERT INTO loyalty_tiers AS t (tier_id, program_id, name, rank)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tier_id) DO UPDATE SET name = EXCLUDED.name, rank = EXCLUDED.rank
           WHERE (t.name, t.rank) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.rank)""",
        tiers,
    )


async def _write_promotions(conn: asyncpg.Connection, promotions: Sequence[PromotionSpec]) -> None:
    # Only POS promotions have tags (a foreign key on the kind): drop them before a kind changes.
    untagged = [p.id for p in promotions if p.kind != "pos"]
    await conn.execute("DELETE FROM promotion_tiers WHERE promotion_id = ANY($1::text[])", untagged)
    await conn.execute(
        "DELETE FROM promotion_programs WHERE promotion_id = ANY($1::text[])", untagged
    )
    await conn.executemany(
        """INSERT INTO promotions AS p (promotion_id, brand_id, name, kind, is_active,
                                        application_mode, starts_at, ends_at,
                                        custom_field_values, milestone_id, target_group_id,
                                        priority)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12)
           ON CONFLICT (promotion_id) DO UPDATE SET
               name = EXCLUDED.name, kind = EXCLUDED.kind, is_active = EXCLUDED.is_active,
               application_mode = EXCLUDED.application_mode, starts_at = EXCLUDED.starts_at,
               ends_at = EXCLUDED.ends_at, custom_field_values = EXCLUDED.custom_field_values,
               milestone_id = EXCLUDED.milestone_id, target_group_id = EXCLUDED.target_group_id,
               priority = EXCLUDED.priority
           WHERE (p.name, p.kind, p.is_active, p.application_mode, p.starts_at, p.ends_at,
                  p.custom_field_values, p.milestone_id, p.target_group_id, p.priority)
                 IS DISTINCT FROM
                 (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.is_active, EXCLUDED.application_mode,
                  EXCLUDED.starts_at, EXCLUDED.ends_at, EXCLUDED.custom_field_values,
                  EXCLUDED.milestone_id, EXCLUDED.target_group_id, EXCLUDED.priority)""",
        [_promotion_row(p) for p in promotions],
    )
    await _write_restrictions(conn, [p for p in promotions if p.restrictions is not None])
    await _write_tags(conn, promotions)


def _promotion_row(p: PromotionSpec) -> tuple[object, ...]:
    # custom_field_values travels as text: the connection may or may not have the jsonb codec.
    return (
        *(p.id, p.brand, p.name, p.kind, p.active, p.application_mode, p.starts_at, p.ends_at),
        *(json.dumps(p.custom_field_values), p.milestone_id, p.target_group_id, p.priority),
    )


async def _write_restrictions(
    conn: asyncpg.Connection, promotions: Sequence[PromotionSpec]
) -> None:
    if not promotions:
        return
    rows = [
        (p.id, r.level, r.kpi, r.max_limit, r.product_sku, r.category_id)
        for p in promotions
        for r in p.restrictions or ()
    ]
    # Limits the file drops: checked unused (and locked) by check_promotion_references.
    await conn.execute(
        """DELETE FROM promotion_restrictions r
           WHERE r.promotion_id = ANY($1::text[])
             AND (r.promotion_id, r.level::text, r.kpi::text,
                  coalesce(r.product_sku, ''), coalesce(r.category_id, ''))
                 NOT IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[],
                                              $5::text[], $6::text[]))""",
        [p.id for p in promotions],
        [row[0] for row in rows],
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[4] or "" for row in rows],
        [row[5] or "" for row in rows],
    )
    if rows:
        await conn.executemany(
            """INSERT INTO promotion_restrictions AS r
                   (promotion_id, level, kpi, max_limit, product_sku, category_id)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (promotion_id, level, kpi, coalesce(product_sku, ''),
                            coalesce(category_id, ''))
               DO UPDATE SET max_limit = EXCLUDED.max_limit
               WHERE r.max_limit <> EXCLUDED.max_limit""",
            rows,
        )


async def _write_tags(conn: asyncpg.Connection, promotions: Sequence[PromotionSpec]) -> None:
    tiered = [p for p in promotions if p.kind == "pos" and p.tiers is not None]
    if tiered:
        await conn.execute(
            """DELETE FROM promotion_tiers t
               WHERE t.promotion_id = ANY($1::text[])
                 AND (t.promotion_id, t.program_id, t.tier_id)
                     NOT IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))""",
            [p.id for p in tiered],
            *_columns([(p.id, t.program, t.tier) for p in tiered for t in p.tiers or ()], 3),
        )
        await conn.execute(
            """INSERT INTO promotion_tiers (promotion_id, program_id, tier_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
               ON CONFLICT (promotion_id, tier_id) DO NOTHING""",
            *_columns([(p.id, t.program, t.tier) for p in tiered for t in p.tiers or ()], 3),
        )
    programmed = [p for p in promotions if p.kind == "pos" and p.programs is not None]
    if programmed:
        pairs = [(p.id, program) for p in programmed for program in p.programs or ()]
        await conn.execute(
            """DELETE FROM promotion_programs t
               WHERE t.promotion_id = ANY($1::text[])
                 AND (t.promotion_id, t.program_id)
                     NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))""",
            [p.id for p in programmed],
            *_columns(pairs, 2),
        )
        await conn.execute(
            """INSERT INTO promotion_programs (promotion_id, program_id, program_type)
               SELECT x.promotion_id, x.program_id, lp.program_type
               FROM unnest($1::text[], $2::text[]) AS x(promotion_id, program_id)
               JOIN loyalty_programs lp USING (program_id)
               ON CONFLICT (promotion_id, program_id) DO NOTHING""",
            *_columns(pairs, 2),
        )


def _columns(rows: Sequence[tuple[str, ...]], width: int) -> list[list[str]]:
    """Rows as ``width`` column lists, for ``unnest($1::text[], ...)``."""
    return [[row[i] for row in rows] for i in range(width)]
