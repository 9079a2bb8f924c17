"""GraphiQL in a real browser: Debian's chromium opens /graphql of a running ``gateway serve``.

Needs chromium and npm: ``tests/provision.py`` installs them with apt when missing (or fails
naming the command). GraphiQL's assets come the way a user gets them, from ``serve`` itself: it
fetches them in the background when missing (the npm registry is then needed), and the test waits
until the page loads them locally. Never a skip: the page must work offline everywhere.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, Request

from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from gateway.ide import ASSETS_URL, DEFAULT_QUERY
from tests.provision import require_tool
from tests.serving import ROOT, running_gateway

IDE_DIR = ROOT / ".gateway" / "ide"
ARTIFACTS = ROOT / "test-artifacts"


FETCH_TIMEOUT_S = 600


@pytest.fixture
def npm() -> str:
    """npm (and node), which ``serve`` uses to fetch GraphiQL's assets."""
    require_tool("node", "nodejs")
    return require_tool("npm", "npm")


async def _wait_for_local_assets(base: str) -> None:
    """Until ``serve`` has fetched the assets and the page loads them from this machine."""
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    async with httpx.AsyncClient(timeout=10) as http:
        while time.monotonic() < deadline:
            page = await http.get(f"{base}/graphql", headers={"accept": "text/html"})
            if ASSETS_URL in page.text:
                return
            await asyncio.sleep(1)
    pytest.fail(f"serve did not fetch GraphiQL's assets into {IDE_DIR} in {FETCH_TIMEOUT_S} s")


@pytest.fixture
async def api_key(database_dsn: str) -> str:
    """A real read key for every brand: GraphiQL must send it like any other client."""
    conn = await asyncpg.connect(database_dsn)
    try:
        brands = [row["brand_id"] for row in await conn.fetch("SELECT brand_id FROM brands")]
        return await create_key(conn, "graphiql-browser-test", [Scope.READ], brands)
    finally:
        await conn.close()


async def _editor(page: Page, selector: str) -> str:
    """The text of the CodeMirror editor under ``selector``."""
    return str(
        await page.eval_on_selector(f"{selector} .CodeMirror", "e => e.CodeMirror.getValue()")
    )


async def test_graphiql_runs_the_default_query_offline(
    browser: Browser, npm: str, database_dsn: str, api_key: str, tmp_path: Path
) -> None:
    headers = json.dumps({"Authorization": f"Bearer {api_key}"})
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_IDE_ASSETS_DIR": str(IDE_DIR),
        "GATEWAY_IDE_FETCH": "true",
    }
    requests: list[Request] = []
    with running_gateway(env) as (base, _process):
        await _wait_for_local_assets(base)
        page = await browser.new_page()
        page.on("request", lambda request: requests.append(request))
        page.set_default_timeout(20_000)

        # Open GraphiQL, enter the API key in the headers pane, run the default query, read the
        # result pane.
        await page.goto(f"{base}/graphql", wait_until="networkidle")
        await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
        assert await _editor(page, ".graphiql-query-editor") == DEFAULT_QUERY
        await page.get_by_role("button", name="Headers").click()
        await page.click(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        await page.keyboard.insert_text(headers)
        await page.click(".graphiql-execute-button")
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror')"
            '?.CodeMirror.getValue().match(/"(data|errors)"/)'
        )
        result = json.loads(await _editor(page, ".graphiql-response"))
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "graphiql.png"), full_page=True)

        # shouldPersistHeaders: after a reload the tab still holds the key and sends it again.
        # GraphiQL stores the headers shortly after an edit, and the headers editor fills from
        # that storage after the page loads: wait for each, as a user would see it.
        await page.wait_for_function(
            "() => (localStorage.getItem('graphiql:headers') || '').includes('Bearer')"
        )
        await page.reload(wait_until="networkidle")
        await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
        await page.get_by_role("button", name="Headers").click()
        await page.wait_for_function(
            "() => document.querySelector("
            "'.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')"
            "?.CodeMirror.getValue().includes('Bearer')"
        )
        persisted = await page.eval_on_selector(
            ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
            "e => e.CodeMirror.getValue()",
        )
        await page.click(".graphiql-execute-button")
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror')"
            '?.CodeMirror.getValue().match(/"(data|errors)"/)'
        )
        await page.close()

    assert "errors" not in result, result
    assert result["data"]["personalizedOffers"]["offers"], "demo-b2c is shown an offer"
    assert result["data"]["cartPromotions"], "demo-loyal holds promotions"

    urls = [request.url for request in requests]
    left = [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert left == [], "every request must stay on 127.0.0.1"
    assert any(ASSETS_URL in url for url in urls), "assets come from the local mount"

    posted = [(r, json.loads(r.post_data or "{}")) for r in requests if r.method == "POST"]
    runs = [r for r, body in posted if body.get("query") == DEFAULT_QUERY]
    assert len(runs) == 2, "the query was posted to /graphql, before and after the reload"
    assert [r.headers.get("authorization") for r in runs] == [f"Bearer {api_key}"] * 2
    assert json.loads(persisted) == json.loads(headers)
