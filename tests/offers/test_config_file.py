"""`gateway load FILE`: validation errors name the entry; a bad file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from gateway.catalog.fields import CatalogError
from gateway.catalog.load import apply_file, load_path
from gateway.offers.catalog_spec import parse_catalog
from tests.conftest import Gql
from tests.offers.queries import NOW, OFFERS

OFFER = {
    "id": "acme-new",
    "brand": "acme",
    "name": "New offer",
    "default_locale": "en",
    "content": {"en": {"title": "Hi", "description": "<p>Hi</p>"}},
    "options": [{"id": "go", "label": "Go", "processing_type": "checkout"}],
}
PLAY = {
    "id": "acme-new",
    "brand": "acme",
    "offer": "acme-new",
    "name": "New play",
    "objective": "expansion",
    "status": "active",
    "priority": 1000,
}

PLAY_PATH = "plays[0] (acme-new)"
OFFER_PATH = "offers[0] (acme-new)"
REDIRECT = {"id": "u", "label": "U", "processing_type": "url_redirect"}
BAD_RULE = {"all": [{"property": "plan", "operator": "eq", "value": 1}]}
INVALID = [
    # file, the problem reported
    ({"play": []}, "play: unknown key"),
    ({"plays": {}}, "plays: expected a list"),
    ({"brands": [{"id": "bad id", "name": "X"}]}, 'brands[0] (bad id).id: "bad id" does not'),
    (
        {"offers": [{**OFFER, "default_locale": "de"}]},
        f"{OFFER_PATH}.content: no content for the default",
    ),
    ({"offers": [{**OFFER, "options": []}]}, f"{OFFER_PATH}.options: an offer needs at least one"),
    (
        {"offers": [{**OFFER, "options": [REDIRECT]}]},
        f"{OFFER_PATH}.options[0].redirect_url: required",
    ),
    ({"offers": [OFFER, OFFER]}, "offers[1] (acme-new).id: offer 'acme-new' appears twice"),
    ({"plays": [{**PLAY, "objective": "growth"}]}, f"{PLAY_PATH}.objective: expected one of"),
    ({"plays": [{**PLAY, "prioriy": 1}]}, f"{PLAY_PATH}.prioriy: unknown key"),
    (
        {"plays": [{**PLAY, "traffic_percent": 120}]},
        f"{PLAY_PATH}.traffic_percent: expected a percent",
    ),
    ({"plays": [{**PLAY, "cooldown": "7 days"}]}, f"{PLAY_PATH}.cooldown: expected a duration"),
    (
        {"plays": [{**PLAY, "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00Z"}]},
        f"{PLAY_PATH}.ends_at: must be after starts_at",
    ),
    (
        {"plays": [{**PLAY, "starts_at": "2026-02-01"}]},
        f"{PLAY_PATH}.starts_at: expected an ISO-8601",
    ),
    ({"plays": [{**PLAY, "audience": BAD_RULE}]}, f"{PLAY_PATH}.audience.all[0].property: unknown"),
    (
        {"brands": [{"id": "acme", "name": "A", "attribute_mappings": {"size": "custom.a-b"}}]},
        "brands[0] (acme).attribute_mappings.size: expected first_name, last_name, email",
    ),
    (
        {"offers": [OFFER], "plays": [{**PLAY, "brand": "globex"}]},
        f"{PLAY_PATH}.offer: offer 'acme-new' belongs to brand 'acme'",
    ),
]


@pytest.mark.parametrize(("data", "problem"), INVALID)
def test_invalid_files_name_the_entry(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    assert problem in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(
            {"plays": [{**PLAY, "objective": "x"}, {**PLAY, "id": "p2", "priority": "hi"}]}
        )
    assert len(str(caught.value).splitlines()) == 2


async def test_a_yaml_error_names_the_file_and_the_line(database_dsn: str, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("brands:\n  - id: acme\n   name: Acme\n")  # "name" is one space off

    with pytest.raises(CatalogError) as caught:
        await load_path(database_dsn, path, dry_run=True)

    message = str(caught.value)
    assert message.startswith(f"{path}: not valid YAML: ")
    assert f'in "{path}", line 3' in message
    assert "<unicode string>" not in message


def write(tmp_path: Path, data: dict[str, Any], suffix: str = ".yaml") -> Path:
    path = tmp_path / f"catalog{suffix}"
    path.write_text(yaml.safe_dump(data) if suffix == ".yaml" else json.dumps(data))
    return path


async def test_one_bad_entry_changes_nothing(database_dsn: str, tmp_path: Path) -> None:
    good = {"offers": [OFFER], "plays": [PLAY, {**PLAY, "id": "acme-other", "offer": "missing"}]}
    with pytest.raises(CatalogError, match=r"plays\[1\] \(acme-other\).offer: no offer 'missing'"):
        await load_path(database_dsn, write(tmp_path, good))
    conn = await asyncpg.connect(database_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM offers WHERE offer_id = 'acme-new'") == 0
    finally:
        await conn.close()


async def test_load_upserts_and_the_next_request_sees_it(
    gql: Gql, database_dsn: str, tmp_path: Path
) -> None:
    before = await gql(OFFERS, {"input": {"customerId": "demo-b2c"}}, now=NOW)
    assert before.data is not None
    assert before.data["personalizedOffers"]["offers"][0]["offerId"] == "acme-annual-upgrade"
    summary = await load_path(
        database_dsn, write(tmp_path, {"offers": [OFFER], "plays": [PLAY]}, ".json")
    )
    assert str(summary) == "0 brands, 1 offers, 1 plays"
    after = await gql(OFFERS, {"input": {"customerId": "demo-b2c"}}, now=NOW)
    assert after.data is not None
    assert after.data["personalizedOffers"]["offers"][0]["offerId"] == "acme-new"
    # loading again (priority changed) updates in place
    await load_path(database_dsn, write(tmp_path, {"plays": [{**PLAY, "status": "paused"}]}))
    again = await gql(OFFERS, {"input": {"customerId": "demo-b2c"}}, now=NOW)
    assert again.data is not None
    assert again.data["personalizedOffers"]["offers"][0]["offerId"] == "acme-annual-upgrade"


async def test_dry_run_writes_nothing(database_dsn: str, tmp_path: Path) -> None:
    await load_path(database_dsn, write(tmp_path, {"offers": [OFFER]}), dry_run=True)
    conn = await asyncpg.connect(database_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM offers WHERE offer_id = 'acme-new'") == 0
    finally:
        await conn.close()


async def test_mapping_off_ignores_the_request_key(
    gql: Gql, database_dsn: str, tmp_path: Path
) -> None:
    query = {"input": {"customerId": "demo-b2c", "custom": {"companySize": 250}}}
    on = await gql(OFFERS, query, now=NOW)
    assert on.data is not None
    assert on.data["personalizedOffers"]["offers"][0]["offerId"] == "acme-enterprise-trial"
    unmapped = {"brands": [{"id": "acme", "name": "Acme Streaming", "attribute_mappings": {}}]}
    await load_path(database_dsn, write(tmp_path, unmapped))
    off = await gql(OFFERS, query, now=NOW)
    assert off.data is not None
    assert off.data["personalizedOffers"]["offers"][0]["offerId"] == "acme-annual-upgrade"


async def test_the_demo_catalog_loads_twice(database_dsn: str) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        summary = await apply_file(conn, Path("sql/demo/020_offers.yaml"))
        assert (summary.brands, summary.offers, summary.plays) == (2, 7, 9)
    finally:
        await conn.close()
