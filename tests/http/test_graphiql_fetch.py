"""``serve`` fetches GraphiQL's pinned assets itself: the page uses the CDN until they are there,
then this machine; the log says what happens. Without npm, one line says how to get them."""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from gateway.ide import ASSETS_URL
from gateway.ide.fetch import AssetFetch
from tests.provision import require_tool
from tests.serving import running_gateway

HTML = {"accept": "text/html"}
FETCH_TIMEOUT_S = 600  # npm ci of GraphiQL: ~20 s with npm's cache, longer on a first download
ASSET = "graphiql/graphiql.min.js"


def test_serve_fetches_the_assets_and_the_page_switches_to_them(
    database_dsn: str, tmp_path: Path
) -> None:
    require_tool("npm", "npm")
    ide_dir = tmp_path / "ide"
    log = tmp_path / "serve.log"
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_IDE_ASSETS_DIR": str(ide_dir),
        "GATEWAY_IDE_FETCH": "true",
    }
    with running_gateway(env, log=log) as (base, process):
        first = httpx.get(f"{base}/graphql", headers=HTML, timeout=10).text
        installed_by_then = "are installed in" in log.read_text()
        deadline = time.monotonic() + FETCH_TIMEOUT_S
        page = first
        while ASSETS_URL not in page and time.monotonic() < deadline:
            time.sleep(0.2)
            page = httpx.get(f"{base}/graphql", headers=HTML, timeout=10).text
        asset = httpx.get(f"{base}{ASSETS_URL}/{ASSET}", timeout=10)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    output = log.read_text()

    assert "fetching them with npm in the background" in output
    if not installed_by_then:
        assert "https://unpkg.com/graphiql@" in first, "the CDN page until the assets are there"
    assert ASSETS_URL in page and "unpkg.com" not in page, "the page switched to local assets"
    assert asset.status_code == 200
    assert asset.content == (ide_dir / "node_modules" / ASSET).read_bytes()
    assert "are installed in" in output
    assert not list(ide_dir.glob(".staging-*")), "no staging folder is left behind"


def test_without_npm_the_page_stays_on_the_cdn_and_the_log_says_how(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway"):
        started = AssetFetch(tmp_path / "ide", npm="npm-is-not-installed-here").start()

    assert started is False
    [line] = [r.getMessage() for r in caplog.records if "npm" in r.getMessage()]
    assert "unpkg.com" in line and "install Node.js" in line
    assert not (tmp_path / "ide").exists()


def test_stopping_serve_cancels_a_fetch_and_leaves_nothing_half_done(tmp_path: Path) -> None:
    require_tool("npm", "npm")
    fetch = AssetFetch(tmp_path / "ide")

    assert fetch.start() is True
    time.sleep(1)  # npm ci is running
    fetch.stop()

    npm_children = [
        child
        for child in psutil.Process().children(recursive=True)
        if "npm" in " ".join(child.cmdline())
    ]
    assert npm_children == []
    assert not fetch.installed.is_set()
    assert not (tmp_path / "ide" / "node_modules").exists()
    assert not list((tmp_path / "ide").glob(".staging-*"))
