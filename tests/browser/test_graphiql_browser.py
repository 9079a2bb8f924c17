"""GraphiQL in a real browser: Debian's chromium opens /graphql of a running ``gateway serve``.

Needs chromium and npm: ``tests/provision.py`` installs them with apt when missing (or fails
naming the command). GraphiQL's assets come the way a user gets them, from ``serve`` itself: it
fetches them in the background when missing (the npm registry is then needed), and the test waits
until the page loads them locally. Never a skip: the page must work offline everywhere.

Two runs: the default query (with the key from the Headers pane, kept across a reload), and a
subscription over graphql-transport-ws (the key in ``connection_init``), whose pane shows the
listing, then the count after another client redeems.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, Request, WebSocket

from gateway.auth.keys import create_key
from gateway.auth.principal import Scope
from gateway.ide import ASSETS_URL, DEFAULT_QUERY
from tests.conftest import demo_database
from tests.pristine import restore, snapshot
from tests.provision import require_tool
from tests.serving import ROOT, running_gateway

IDE_DIR = ROOT / ".gateway" / "ide"
ARTIFACTS = ROOT / "test-artifacts"


FETCH_TIMEOUT_S = 600


async def _wait_for_local_assets(base: str) -> None:
    """Until ``serve`` has fetched the assets and the page loads them from this machine."""
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    async with httpx.AsyncClient(timeout=10) as http:
        while time.monotonic() < deadline:
            page = await http.get(f"{base}/graphql", headers={"accept": "text/html"})
            if ASSETS_URL in page.text:
                return
            await asyncio.sleep(0.2)
    pytest.fail(f"serve did not fetch GraphiQL's assets into {IDE_DIR} in {FETCH_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def served_module(
    server_dsn: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, database DSN) of a ``gateway serve`` that fetches GraphiQL's assets when
    missing, one per module; its database is put back before each test."""
    require_tool("node", "nodejs")  # serve fetches GraphiQL's assets with npm
    require_tool("npm", "npm")
    state = tmp_path_factory.mktemp("served")
    with demo_database(server_dsn, template_database) as dsn:
        asyncio.run(snapshot(dsn))
        env = {
            "DATABASE_URL": dsn,
            "GATEWAY_DATA_DIR": str(state / "state"),
            "GATEWAY_IDE_ASSETS_DIR": str(IDE_DIR),
            "GATEWAY_IDE_FETCH": "true",
        }
        with running_gateway(env, log=state / "gateway.log") as (base, _process):
            yield base, dsn


@pytest.fixture
async def served_ide(served_module: tuple[str, str]) -> str:
    """The base URL of the module's ``gateway serve``, its database as the template made it."""
    await restore(served_module[1])
    return served_module[0]


@pytest.fixture
async def api_key(served_module: tuple[str, str], served_ide: str) -> str:
    """A real read key for every brand: GraphiQL must send it like any other client."""
    conn = await asyncpg.connect(served_module[1])
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
    browser: Browser, served_ide: str, api_key: str
) -> None:
    headers = json.dumps({"Authorization": f"Bearer {api_key}"})
    requests: list[Request] = []
    base = served_ide
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


SUBSCRIPTION = """subscription LoyalCart {
  cartPromotionsChanged(customerId: "demo-loyal") {
    id
    promotionId
    restrictions { customer { kpi remainingRedemption } }
  }
}"""
REDEEM = """mutation Redeem($input: RedeemCartPromotionInput!) {
  redeemCartPromotion(input: $input) { __typename } }"""
PROMOTION = "acme-welcome10"  # demo-loyal holds it, with a per-customer redemption limit
RESPONSE = "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue()"
# The response pane shows ``promotionId``'s per-customer remaining count ``remaining``.
SHOWS_REMAINING = """([promotionId, remaining]) => {
  try {
    const text = document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue();
    const promotion = JSON.parse(text).data.cartPromotionsChanged
      .find((p) => p.promotionId === promotionId);
    const limit = promotion.restrictions.customer.find((r) => r.kpi === 'REDEMPTION');
    return String(limit.remainingRedemption) === String(remaining);
  } catch {
    return false;
  }
}"""
LIVE_WAIT_S = 5  # a redemption's update reaches its subscriber in well under a second


async def test_graphiql_runs_a_subscription_offline_with_the_key_in_connection_init(
    browser: Browser, served_ide: str, api_key: str
) -> None:
    base = served_ide
    await _wait_for_local_assets(base)
    page = await browser.new_page()
    page.set_default_timeout(20_000)
    requests: list[Request] = []
    frames: list[tuple[str, str, dict[str, Any]]] = []  # (socket URL, direction, message)

    def on_websocket(socket: WebSocket) -> None:
        def record(direction: str) -> Any:
            return lambda payload: frames.append((socket.url, direction, json.loads(payload)))

        socket.on("framesent", record("sent"))
        socket.on("framereceived", record("received"))

    page.on("request", lambda request: requests.append(request))
    page.on("websocket", on_websocket)

    # Type the subscription (GraphiQL mirrors the editor into the URL once it has taken it),
    # enter the key, run: the first message is the current listing.
    await page.goto(f"{base}/graphql", wait_until="networkidle")
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    await page.eval_on_selector(
        ".graphiql-query-editor .CodeMirror", "(e, q) => e.CodeMirror.setValue(q)", SUBSCRIPTION
    )
    await page.wait_for_function("() => location.search.includes('LoyalCart')")
    await page.get_by_role("button", name="Headers").click()
    await page.click(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {api_key}"}))
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(f"() => ({RESPONSE})()?.includes('cartPromotionsChanged')")
    first = json.loads(await _editor(page, ".graphiql-response"))
    before = _remaining(first)

    # A redemption by another client: the running subscription shows the new count.
    started = time.monotonic()
    await _redeem(f"{base}/graphql")
    after = before - 1
    await page.wait_for_function(
        SHOWS_REMAINING, arg=[PROMOTION, after], timeout=LIVE_WAIT_S * 1000
    )
    print(f"redemption shown in GraphiQL after {(time.monotonic() - started) * 1000:.0f} ms")
    update = json.loads(await _editor(page, ".graphiql-response"))
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"), full_page=True)
    await page.close()

    assert "errors" not in first, first
    assert _remaining(update) == after
    sockets = {url for url, _, _ in frames}
    assert sockets == {f"{base.replace('http://', 'ws://')}/graphql"}, "one socket, to /graphql"
    sent = [message for _, direction, message in frames if direction == "sent"]
    assert sent[0] == {
        "type": "connection_init",
        "payload": {"Authorization": f"Bearer {api_key}"},
    }, "the key from the Headers pane goes in connection_init"
    [subscribe] = [m for m in sent if m["type"] == "subscribe"]
    assert subscribe["payload"]["operationName"] == "LoyalCart"
    received = [message["type"] for _, direction, message in frames if direction == "received"]
    assert received[:3] == ["connection_ack", "next", "next"], received
    posted = [json.loads(r.post_data or "{}") for r in requests if r.method == "POST"]
    assert not [body for body in posted if "LoyalCart" in body.get("query", "")], (
        "the subscription ran over the WebSocket, not HTTP"
    )
    hosts = {urlsplit(r.url).hostname for r in requests if urlsplit(r.url).scheme in ("http", "ws")}
    assert hosts == {"127.0.0.1"}, "nothing loaded from the internet"


def _remaining(answer: dict[str, Any]) -> int:
    [promotion] = [
        p for p in answer["data"]["cartPromotionsChanged"] if p["promotionId"] == PROMOTION
    ]
    [limit] = [r for r in promotion["restrictions"]["customer"] if r["kpi"] == "REDEMPTION"]
    return int(limit["remainingRedemption"])


async def _redeem(graphql_url: str) -> None:
    """A redemption by another client than the page: an HTTP mutation from here."""
    variables = {
        "input": {
            "customerId": "demo-loyal",
            "promotionId": PROMOTION,
            "transactionId": "t-graphiql-live",
            "amount": "1.00",
            "idempotencyKey": "graphiql-live",
        }
    }
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(graphql_url, json={"query": REDEEM, "variables": variables})
    assert answer.json()["data"]["redeemCartPromotion"]["__typename"] == "Redemption", answer.text
