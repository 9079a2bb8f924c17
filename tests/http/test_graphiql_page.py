"""GraphiQL at /graphql: local assets when installed, else the CDN page and one log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from gateway.ide import ASSETS_URL, DEFAULT_QUERY
from gateway.ide.assets import NPM_PROJECT
from gateway.ide.page import cdn_packages, strawberry_page
from tests.http.apps import ClientFactory, client_factory

HTML = {"accept": "text/html"}


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


def _fake_install(ide_dir: Path) -> None:
    """What `gateway ide install` leaves behind, minus the real bundles."""
    for package, version in cdn_packages(strawberry_page()).items():
        folder = ide_dir / "node_modules" / package
        folder.mkdir(parents=True)
        (folder / "package.json").write_text(json.dumps({"name": package, "version": version}))
    (ide_dir / "node_modules" / "react" / "umd").mkdir()
    (ide_dir / "node_modules" / "react" / "umd" / "react.production.min.js").write_text("// react")


def test_npm_project_pins_exactly_what_strawberrys_page_loads() -> None:
    package = json.loads((NPM_PROJECT / "package.json").read_text())
    lock = json.loads((NPM_PROJECT / "package-lock.json").read_text())
    wanted = cdn_packages(strawberry_page())

    assert package["dependencies"] == wanted
    locked = {name: lock["packages"][f"node_modules/{name}"]["version"] for name in wanted}
    assert locked == wanted


async def test_installed_assets_are_served_locally(
    make_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fake_install(tmp_path / "ide")

    with caplog.at_level(logging.WARNING, logger="gateway"):
        async with make_client(ide_assets_dir=tmp_path / "ide") as http:
            page = await http.get("/graphql", headers=HTML)
            asset = await http.get(f"{ASSETS_URL}/react/umd/react.production.min.js")

    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assert f'src="{ASSETS_URL}/react/umd/react.production.min.js"' in page.text
    assert 'integrity="sha384-' in page.text, "the same files, so the same integrity hashes"
    assert asset.text == "// react"
    assert not [r for r in caplog.records if "gateway ide install" in r.getMessage()]


async def test_missing_assets_fall_back_to_the_cdn_with_one_log_line(
    make_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway"):
        async with make_client(ide_assets_dir=tmp_path / "nothing-here", ide_fetch=False) as http:
            first = await http.get("/graphql", headers=HTML)
            second = await http.get("/graphql", headers=HTML)
            asset = await http.get(f"{ASSETS_URL}/react/umd/react.production.min.js")

    assert "https://unpkg.com/graphiql@" in first.text
    assert second.text == first.text
    assert asset.status_code == 404
    [line] = [r.getMessage() for r in caplog.records if "gateway ide install" in r.getMessage()]
    assert "nothing-here" in line


async def test_while_serve_fetches_the_assets_the_app_adds_no_warning(
    make_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # serve's fetch logs what it does (tests/http/test_graphiql_fetch.py): no second, contrary line.
    with caplog.at_level(logging.INFO, logger="gateway"):
        async with make_client(ide_assets_dir=tmp_path / "nothing-yet", ide_fetch=True) as http:
            first = await http.get("/graphql", headers=HTML)

    assert "https://unpkg.com/graphiql@" in first.text
    assert not [r for r in caplog.records if "unpkg.com" in r.getMessage()]


async def test_page_opens_with_the_demo_query_and_persists_headers(
    make_client: ClientFactory,
) -> None:
    async with make_client() as http:
        page = (await http.get("/graphql", headers=HTML)).text

    assert f"const EXAMPLE_QUERY = {json.dumps(DEFAULT_QUERY)};" in page
    assert "isHeadersEditorEnabled: true" in page
    assert "shouldPersistHeaders: true" in page


def test_default_query_asks_both_apis_for_demo_customers() -> None:
    assert 'customerId: "demo-b2c"' in DEFAULT_QUERY
    assert 'customerId: "demo-loyal"' in DEFAULT_QUERY
    assert "Authorization" in DEFAULT_QUERY, "says where the API key goes"


async def test_page_loads_without_a_key_where_operations_need_one(
    make_client: ClientFactory,
) -> None:
    async with make_client(require_api_keys=True) as http:
        page = await http.get("/graphql", headers=HTML)
        operation = await http.post("/graphql", json={"query": "{ __typename }"})

    assert page.status_code == 200, "the API key is entered in the page, so it must load"
    assert "graphiql" in page.text.lower()
    assert operation.status_code == 401
