"""docs/catalog.md stays true: its example files load, its tables list the evaluator's properties
and operators with their types."""

from __future__ import annotations

import re
from dataclasses import astuple
from pathlib import Path

import pytest
import yaml

from gateway.catalog.fields import CatalogError
from gateway.catalog.load import load_path
from gateway.evaluator import compile_audience
from gateway.evaluator.operators import ALLOWED_TYPES
from gateway.evaluator.properties import PROPERTIES
from gateway.offers.catalog_spec import parse_catalog
from tests.docs_pages import DOCS, Block, blocks, pages

CATALOG = DOCS / "catalog.md"
# Every catalog example of the docs, on whatever page it is.
YAML_BLOCKS = [b for page in pages() for b in blocks(page) if b.info == "yaml"]


def _table(first_column: str) -> dict[str, set[str]]:
    """Rows of the table whose header starts with ``first_column``: name → the types listed."""
    text = CATALOG.read_text()
    start = text.index(f"| {first_column} |")
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", text[start:].split("\n\n")[0], re.MULTILINE)
    return {name: {t.strip() for t in types.split(",")} for name, types in rows}


def test_the_properties_table_lists_every_property_with_its_type() -> None:
    documented = _table("property")
    real = {name: {kind.value} for name, kind in PROPERTIES.items()} | {
        "custom.<key>": {"any JSON value"}
    }

    assert documented == real


def test_the_operators_table_lists_every_operator_with_its_types() -> None:
    documented = _table("operator")
    real = {op: {kind.value for kind in kinds} for op, kinds in ALLOWED_TYPES.items()}

    assert documented == real


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=lambda b: b.where)
async def test_the_examples_load(block: Block, database_dsn: str, tmp_path: Path) -> None:
    data = yaml.safe_load(block.text)
    if set(data) == {"audience"}:
        compile_audience(data["audience"])
        return
    path = tmp_path / "catalog.yaml"
    path.write_text(block.text)

    summary = await load_path(database_dsn, path, dry_run=True)

    assert sum(astuple(summary)) > 0, "the example defines something"


def test_a_play_needs_exactly_the_fields_the_page_names() -> None:
    text = CATALOG.read_text()
    sentence = re.search(r"A play needs (.+?) \(", text)
    assert sentence is not None
    named = re.findall(r"`(\w+)`", sentence.group(1))
    [smallest] = [b for b in YAML_BLOCKS if "Trial extension for everyone" in b.text]
    catalog = yaml.safe_load(smallest.text)
    parse_catalog(catalog)  # as written, it parses

    play = catalog["plays"][0]
    needed = []
    for field in play:
        without = {**catalog, "plays": [{k: v for k, v in play.items() if k != field}]}
        try:
            parse_catalog(without)
        except CatalogError as exc:
            assert f".{field}: required" in str(exc)
            needed.append(field)

    assert named == needed == ["id", "brand", "offer", "name", "objective"]


def test_the_page_has_examples() -> None:
    assert len([b for b in YAML_BLOCKS if b.where.startswith("docs/catalog.md")]) >= 4
