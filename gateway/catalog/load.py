"""``gateway load FILE``: upsert the offers catalog from a YAML or JSON file, all or nothing.

The whole file is validated first (``catalog_spec.parse_catalog``), then references to rows that
are not in the file are checked against the database, then everything is written in one
transaction. Entries absent from the file are left as they are (retire a play with
``status: archived``); an offer's content and options, and a brand's attribute mappings when given,
are replaced as a whole. The format: docs/catalog.md.

The ``loyalty_programs`` and ``promotions`` sections are parsed, checked and written by
``gateway.promotions.catalog_file`` in the same transaction (``parse_file`` registers them).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path, PurePath

import asyncpg
import yaml

from gateway.catalog.fields import CatalogError
from gateway.observability.progress import progress
from gateway.offers.catalog_spec import CatalogSpec, PlaySpec, parse_catalog
from gateway.promotions import catalog_file as promotions_file
from gateway.promotions.catalog_spec import SECTIONS as PROMOTION_SECTIONS
from gateway.promotions.catalog_spec import PromotionSections, parse_promotion_sections

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class LoadSummary:
    """What a load wrote."""

    brands: int
    offers: int
    plays: int
    loyalty_programs: int = 0
    promotions: int = 0

    def __str__(self) -> str:
        text = f"{self.brands} brands, {self.offers} offers, {self.plays} plays"
        if self.loyalty_programs:
            text += f", {self.loyalty_programs} loyalty programs"
        if self.promotions:
            text += f", {self.promotions} promotions"
        return text


@dataclass(frozen=True)
class ParsedFile:
    """A validated file: the offers sections and the cart-promotion sections."""

    catalog: CatalogSpec
    promotions: PromotionSections


def parse_file(data: object) -> ParsedFile:
    """Validate every section of a loaded file; one ``CatalogError`` lists all their problems.

    >>> parse_file({"promotions": []}).promotions.promotions
    ()
    """
    problems: list[str] = []
    try:
        catalog = parse_catalog(data, extra_sections=PROMOTION_SECTIONS)
    except CatalogError as exc:
        problems.append(str(exc))
    try:
        promotions = parse_promotion_sections(data)
    except CatalogError as exc:
        problems.append(str(exc))
    if problems:
        raise CatalogError("\n".join(problems))
    return ParsedFile(catalog, promotions)


def read_file(path: Traversable) -> object:
    """The parsed content of a YAML or JSON file (CatalogError when unreadable)."""
    suffix = PurePath(path.name).suffix
    try:
        if isinstance(path, Path) and path.stat().st_size > MAX_FILE_BYTES:
            raise CatalogError(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: {exc.strerror}") from None
    try:
        if suffix in (".yaml", ".yml"):
            named = io.StringIO(text)
            named.name = str(path)  # YAML's messages name the file, not "<unicode string>"
            return yaml.load(named, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if suffix == ".json":
            return json.loads(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise CatalogError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    raise CatalogError(f"{path}: expected a .yaml, .yml or .json file")


async def apply_file(conn: asyncpg.Connection, path: Traversable) -> LoadSummary:
    """Validate ``path`` and apply it in one transaction (a savepoint inside an open one).

    Example, in a coroutine::

        await apply_file(conn, Path("sql/demo/020_offers.yaml"))
        # -> LoadSummary(brands=2, offers=5, plays=6)
    """
    parsed = parse_file(read_file(path))
    return await apply_catalog(conn, parsed.catalog, parsed.promotions)


async def apply_catalog(
    conn: asyncpg.Connection,
    spec: CatalogSpec,
    promotions: PromotionSections | None = None,
) -> LoadSummary:
    """Write a validated catalog in one transaction; CatalogError (nothing written) on conflict."""
    if promotions is None:
        promotions = PromotionSections()
    async with conn.transaction():
        problems = await _reference_problems(conn, spec)
        problems += await promotions_file.check_promotion_references(
            conn, promotions, {b.id for b in spec.brands}
        )
        if problems:
            raise CatalogError("\n".join(problems))
        try:
            await _write(conn, spec)
            await promotions_file.write_promotion_sections(conn, promotions)
        except asyncpg.exceptions.IntegrityConstraintViolationError as exc:
            raise CatalogError(f"the database refused the catalog: {exc}") from None
    return LoadSummary(
        len(spec.brands),
        len(spec.offers),
        len(spec.plays),
        len(promotions.loyalty_programs),
        len(promotions.promotions),
    )


async def _reference_problems(conn: asyncpg.Connection, spec: CatalogSpec) -> list[str]:
    """Brands and offers named in the file but defined elsewhere must exist, in the right brand."""
    file_brands = {b.id for b in spec.brands}
    file_offers = {o.id: o.brand for o in spec.offers}
    wanted_brands = {o.brand for o in spec.offers} | {p.brand for p in spec.plays}
    wanted_offers = {p.offer for p in spec.plays} - set(file_offers)
    stored_brands = {
        r["brand_id"]
        for r in await conn.fetch(
            "SELECT brand_id FROM brands WHERE brand_id = ANY($1::text[])",
            sorted(wanted_brands - file_brands),
        )
    }
    stored_offers = {
        r["offer_id"]: r["brand_id"]
        for r in await conn.fetch(
            "SELECT offer_id, brand_id FROM offers WHERE offer_id = ANY($1::text[])",
            sorted(wanted_offers),
        )
    }
    problems = []
    known_brands = file_brands | stored_brands
    for i, offer in enumerate(spec.offers):
        if offer.brand not in known_brands:
            problems.append(f"offers[{i}] ({offer.id}).brand: no brand {offer.brand!r}")
    offer_brands = {**stored_offers, **file_offers}
    for i, play in enumerate(spec.plays):
        if play.brand not in known_brands:
            problems.append(f"plays[{i}] ({play.id}).brand: no brand {play.brand!r}")
        brand = offer_brands.get(play.offer)
        if brand is None:
            problems.append(f"plays[{i}] ({play.id}).offer: no offer {play.offer!r}")
        elif brand != play.brand:
            problems.append(
                f"plays[{i}] ({play.id}).offer: offer {play.offer!r} belongs to brand {brand!r}"
            )
    return problems


async def _write(conn: asyncpg.Connection, spec: CatalogSpec) -> None:
    if spec.brands:
        await conn.executemany(
            """INSERT INTO brands (brand_id, name) VALUES ($1, $2)
               ON CONFLICT (brand_id) DO UPDATE SET name = EXCLUDED.name""",
            [(b.id, b.name) for b in spec.brands],
        )
    mapped = [b for b in spec.brands if b.attribute_mappings is not None]
    if mapped:
        await conn.execute(
            "DELETE FROM offer_attribute_mappings WHERE brand_id = ANY($1::text[])",
            [b.id for b in mapped],
        )
        await conn.executemany(
            "INSERT INTO offer_attribute_mappings (brand_id, property, source) VALUES ($1, $2, $3)",
            [(b.id, prop, source) for b in mapped for prop, source in b.attribute_mappings or ()],
        )
    if spec.offers:
        await _write_offers(conn, spec)
    if spec.plays:
        await conn.executemany(
            """INSERT INTO plays (play_id, brand_id, offer_id, name, objective, status, priority,
                                  starts_at, ends_at, audience, traffic_percent, holdout_percent,
                                  cooldown, max_accepts_per_customer, decision_ttl)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb,
                       $11, $12, $13, $14, $15)
               ON CONFLICT (play_id) DO UPDATE SET
                   brand_id = EXCLUDED.brand_id, offer_id = EXCLUDED.offer_id,
                   name = EXCLUDED.name, objective = EXCLUDED.objective,
                   status = EXCLUDED.status, priority = EXCLUDED.priority,
                   starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                   audience = EXCLUDED.audience, traffic_percent = EXCLUDED.traffic_percent,
                   holdout_percent = EXCLUDED.holdout_percent, cooldown = EXCLUDED.cooldown,
                   max_accepts_per_customer = EXCLUDED.max_accepts_per_customer,
                   decision_ttl = EXCLUDED.decision_ttl, updated_at = now()""",
            [_play_row(p) for p in spec.plays],
        )


def _play_row(p: PlaySpec) -> tuple[object, ...]:
    # The audience travels as text: the connection may or may not have the jsonb codec.
    return (
        *(p.id, p.brand, p.offer, p.name, p.objective, p.status, p.priority),
        *(p.starts_at, p.ends_at, json.dumps(p.audience), p.traffic_percent, p.holdout_percent),
        *(p.cooldown, p.max_accepts_per_customer, p.decision_ttl),
    )


async def _write_offers(conn: asyncpg.Connection, spec: CatalogSpec) -> None:
    offer_ids = [o.id for o in spec.offers]
    await conn.executemany(
        """INSERT INTO offers (offer_id, brand_id, name, default_locale) VALUES ($1, $2, $3, $4)
           ON CONFLICT (offer_id) DO UPDATE SET
               brand_id = EXCLUDED.brand_id, name = EXCLUDED.name,
               default_locale = EXCLUDED.default_locale, updated_at = now()""",
        [(o.id, o.brand, o.name, o.default_locale) for o in spec.offers],
    )
    await conn.execute("DELETE FROM offer_contents WHERE offer_id = ANY($1::text[])", offer_ids)
    await conn.executemany(
        """INSERT INTO offer_contents (offer_id, locale, title, description)
           VALUES ($1, $2, $3, $4)""",
        [(o.id, c.locale, c.title, c.description) for o in spec.offers for c in o.contents],
    )
    await conn.execute("DELETE FROM offer_options WHERE offer_id = ANY($1::text[])", offer_ids)
    await conn.executemany(
        """INSERT INTO offer_options (offer_id, option_id, position, label, processing_type,
                                      processing_layout, redirect_url)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        [
            (o.id, x.id, i, x.label, x.processing_type, x.processing_layout, x.redirect_url)
            for o in spec.offers
            for i, x in enumerate(o.options)
        ],
    )


async def load_path(dsn: str, path: Path, *, dry_run: bool = False) -> LoadSummary:
    """Connect to ``dsn`` and apply ``path``; with ``dry_run``, check everything, then roll back.

    Example, in a coroutine::

        await load_path("postgresql://postgres@127.0.0.1/gateway", Path("catalog.yaml"))
    """
    with progress(f"load {path.name}", 4, "steps") as shown:
        shown.note(f"read {path}")
        data = read_file(path)
        shown.advance()
        shown.note("check every entry")
        parsed = parse_file(data)
        shown.advance()
        conn = await asyncpg.connect(dsn)
        try:
            transaction = conn.transaction()
            await transaction.start()
            try:
                shown.note(f"check references and write {_counts(parsed)}")
                summary = await apply_catalog(conn, parsed.catalog, parsed.promotions)
                shown.advance()
            except BaseException:
                await transaction.rollback()
                raise
            if dry_run:
                shown.note("roll back (dry run: nothing is kept)")
                await transaction.rollback()
            else:
                shown.note("commit")
                await transaction.commit()
            shown.advance()
            return summary
        finally:
            await conn.close()


def _counts(parsed: ParsedFile) -> str:
    catalog, promotions = parsed.catalog, parsed.promotions
    return (
        f"{len(catalog.brands):,} brands, {len(catalog.offers):,} offers, "
        f"{len(catalog.plays):,} plays, {len(promotions.loyalty_programs):,} loyalty programs, "
        f"{len(promotions.promotions):,} promotions"
    )
