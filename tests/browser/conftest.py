"""Debian's chromium driven by Playwright, for the browser tests (no browser download)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.provision import require_tool

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium, installed when missing (or a failure naming the command)."""
    return Path(require_tool("chromium", "chromium"))


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Headless chromium driven by Playwright (no `playwright install`: no browser download)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
