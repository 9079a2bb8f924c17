"""The offers catalog as written in a config file, validated into plain specs.

``parse_catalog(data)`` checks everything it can without a database (types, ranges, audience rules,
references inside the file) and raises ``CatalogError`` listing every problem with its path, for
example ``plays[2] (acme-winback).audience.all[0].operator: unknown operator 'equals'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from gateway.catalog.fields import ID, CatalogError, Entry, Problems, jsonable
from gateway.evaluator import DEFAULT_DECISION_TTL, RuleError, compile_audience

LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAPPING_SOURCE = re.compile(r"^(first_name|last_name|email|custom\.[A-Za-z_][A-Za-z0-9_]{0,63})$")
URL = re.compile(r"^https?://\S+$")
OBJECTIVES = ("acquisition", "expansion", "retention")
STATUSES = ("draft", "active", "paused", "archived")
PROCESSING_TYPES = ("billing_update", "checkout", "url_redirect", "webhook", "email")
PROCESSING_LAYOUTS = ("in_app", "full_page")
SECTIONS = ("brands", "offers", "plays")


@dataclass(frozen=True)
class BrandSpec:
    """A brand and, when given, its complete set of attribute mappings (property → source)."""

    id: str
    name: str
    attribute_mappings: tuple[tuple[str, str], ...] | None


@dataclass(frozen=True)
class ContentSpec:
    """An offer's title and HTML description in one locale."""

    locale: str
    title: str
    description: str


@dataclass(frozen=True)
class OptionSpec:
    """One way to take an offer."""

    id: str
    label: str
    processing_type: str
    processing_layout: str | None
    redirect_url: str | None


@dataclass(frozen=True)
class OfferSpec:
    """An offer with all its content and options (both replace what is stored)."""

    id: str
    brand: str
    name: str
    default_locale: str
    contents: tuple[ContentSpec, ...]
    options: tuple[OptionSpec, ...]


@dataclass(frozen=True)
class PlaySpec:
    """A play; ``audience`` is the validated rule as JSON."""

    id: str
    brand: str
    offer: str
    name: str
    objective: str
    status: str
    priority: int
    starts_at: datetime | None
    ends_at: datetime | None
    audience: object
    traffic_percent: Decimal
    holdout_percent: Decimal
    cooldown: timedelta | None
    max_accepts_per_customer: int | None
    decision_ttl: timedelta


@dataclass(frozen=True)
class CatalogSpec:
    """Everything one file declares."""

    brands: tuple[BrandSpec, ...]
    offers: tuple[OfferSpec, ...]
    plays: tuple[PlaySpec, ...]


def _label(entry: Entry) -> Entry:
    """Name entries by id in paths: ``plays[2] (acme-winback)``."""
    entry_id = entry.data.get("id")
    if isinstance(entry_id, str):
        entry.path = f"{entry.path} ({entry_id})"
    return entry


def _unique(entries: list[Entry], what: str, problems: Problems) -> None:
    seen: set[object] = set()
    for entry in entries:
        entry_id = entry.data.get("id")
        if isinstance(entry_id, str) and entry_id in seen:
            problems.add(entry.at("id"), f"{what} {entry_id!r} appears twice")
        seen.add(entry_id)


def parse_catalog(data: object, *, extra_sections: tuple[str, ...] = ()) -> CatalogSpec:
    """Validate a loaded file (a dict from YAML or JSON); raise ``CatalogError`` on any problem.

    >>> parse_catalog({"brands": [{"id": "acme", "name": "Acme"}]}).brands[0].name
    'Acme'
    """
    problems = Problems()
    root = Entry(data, "file", problems)
    root.path = ""
    root.check_keys(SECTIONS + extra_sections)
    brand_entries = [_label(e) for e in _section(root, "brands")]
    offer_entries = [_label(e) for e in _section(root, "offers")]
    play_entries = [_label(e) for e in _section(root, "plays")]
    _unique(brand_entries, "brand", problems)
    _unique(offer_entries, "offer", problems)
    _unique(play_entries, "play", problems)
    brands = tuple(b for b in (_brand(e) for e in brand_entries) if b)
    offers = tuple(o for o in (_offer(e) for e in offer_entries) if o)
    offer_brands = {o.id: o.brand for o in offers}
    plays = []
    for entry in play_entries:
        play = _play(entry)
        if play is None:
            continue
        brand = offer_brands.get(play.offer)
        if brand is not None and brand != play.brand:
            problems.add(entry.at("offer"), f"offer {play.offer!r} belongs to brand {brand!r}")
        plays.append(play)
    if problems:
        raise CatalogError(str(problems))
    return CatalogSpec(brands, offers, tuple(plays))


def _section(root: Entry, key: str) -> list[Entry]:
    entries = root.entries(key)
    for entry in entries:
        entry.path = entry.path.lstrip(".")
    return entries


def _brand(entry: Entry) -> BrandSpec | None:
    entry.check_keys(("id", "name", "attribute_mappings"))
    brand_id = entry.text("id", pattern=ID)
    name = entry.text("name")
    mappings = _mappings(entry)
    if brand_id is None or name is None:
        return None
    return BrandSpec(brand_id, name, mappings)


def _mappings(entry: Entry) -> tuple[tuple[str, str], ...] | None:
    raw = entry.data.get("attribute_mappings")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        entry.problems.add(entry.at("attribute_mappings"), "expected an object: property: source")
        return None
    pairs = []
    for prop, source in raw.items():
        path = f"{entry.at('attribute_mappings')}.{prop}"
        if not isinstance(prop, str) or not PROPERTY_KEY.match(prop):
            entry.problems.add(path, "a property name is letters, digits and _ (custom.<name>)")
        elif not isinstance(source, str) or not MAPPING_SOURCE.match(source):
            entry.problems.add(
                path, f"expected first_name, last_name, email or custom.<key>, got {source!r}"
            )
        else:
            pairs.append((prop, source))
    return tuple(pairs)


def _offer(entry: Entry) -> OfferSpec | None:
    entry.check_keys(("id", "brand", "name", "default_locale", "content", "options"))
    offer_id = entry.text("id", pattern=ID)
    brand = entry.text("brand", pattern=ID)
    name = entry.text("name")
    default_locale = entry.text("default_locale", pattern=LOCALE)
    contents = _contents(entry)
    if default_locale and contents and default_locale not in {c.locale for c in contents}:
        entry.problems.add(
            entry.at("content"), f"no content for the default locale {default_locale}"
        )
    options = tuple(o for o in (_option(e) for e in entry.entries("options", required=True)) if o)
    option_ids = [o.id for o in options]
    if len(set(option_ids)) != len(option_ids):
        entry.problems.add(entry.at("options"), "option ids must be unique within the offer")
    if not (offer_id and brand and name and default_locale and contents and options):
        if not options and "options" in entry.data:
            entry.problems.add(entry.at("options"), "an offer needs at least one option")
        return None
    return OfferSpec(offer_id, brand, name, default_locale, contents, options)


def _contents(entry: Entry) -> tuple[ContentSpec, ...]:
    raw = entry.data.get("content")
    if not isinstance(raw, Mapping) or not raw:
        entry.problems.add(entry.at("content"), "expected an object: locale: {title, description}")
        return ()
    contents = []
    for locale, body in raw.items():
        item = Entry(body, f"{entry.at('content')}.{locale}", entry.problems)
        item.check_keys(("title", "description"))
        if not isinstance(locale, str) or not LOCALE.match(locale):
            entry.problems.add(item.path, "a locale is like en, de or pt-BR")
            continue
        title = item.text("title")
        description = item.text("description", max_length=10_000)
        if title and description:
            contents.append(ContentSpec(locale, title, description))
    return tuple(contents)


def _option(entry: Entry) -> OptionSpec | None:
    entry.check_keys(("id", "label", "processing_type", "processing_layout", "redirect_url"))
    option_id = entry.text("id", pattern=ID)
    label = entry.text("label")
    processing_type = entry.text("processing_type", choices=PROCESSING_TYPES)
    layout = entry.text("processing_layout", required=False, choices=PROCESSING_LAYOUTS)
    redirect_url = entry.text("redirect_url", required=False, pattern=URL, max_length=2048)
    if (
        processing_type == "url_redirect"
        and redirect_url is None
        and "redirect_url" not in entry.data
    ):
        entry.problems.add(entry.at("redirect_url"), "required for url_redirect options")
    if not (option_id and label and processing_type):
        return None
    return OptionSpec(option_id, label, processing_type, layout, redirect_url)


def _play(entry: Entry) -> PlaySpec | None:
    entry.check_keys(
        (
            "id", "brand", "offer", "name", "objective", "status", "priority", "starts_at",
            "ends_at", "audience", "traffic_percent", "holdout_percent", "cooldown",
            "max_accepts_per_customer", "decision_ttl",
        )
    )  # fmt: skip
    play_id = entry.text("id", pattern=ID)
    brand = entry.text("brand", pattern=ID)
    offer = entry.text("offer", pattern=ID)
    name = entry.text("name")
    objective = entry.text("objective", choices=OBJECTIVES)
    status = entry.text("status", required=False, choices=STATUSES) or "draft"
    priority = entry.integer("priority", low=-1_000_000, high=1_000_000) or 0
    starts_at, ends_at = entry.moment("starts_at"), entry.moment("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        entry.problems.add(entry.at("ends_at"), "must be after starts_at")
    audience = jsonable(entry.data.get("audience", {"all": []}))
    try:
        compile_audience(audience, entry.at("audience"))
    except RuleError as exc:
        entry.problems.add(exc.path, exc.problem)
    traffic = entry.percent("traffic_percent", "100")
    holdout = entry.percent("holdout_percent", "0")
    cooldown = entry.duration("cooldown")
    max_accepts = entry.integer("max_accepts_per_customer", low=1, high=1_000_000)
    ttl = entry.duration("decision_ttl", default=DEFAULT_DECISION_TTL)
    if ttl is not None and ttl > timedelta(days=1):
        entry.problems.add(entry.at("decision_ttl"), "at most 1d")
    if not (play_id and brand and offer and name and objective and ttl):
        return None
    if traffic is None or holdout is None:
        return None
    return PlaySpec(
        play_id, brand, offer, name, objective, status, priority, starts_at, ends_at, audience,
        traffic, holdout, cooldown, max_accepts, ttl,
    )  # fmt: skip
