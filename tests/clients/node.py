"""Run one scenario of a client script here (``apollo.mjs``, ``urql.mjs``) and read its report."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

HERE = Path(__file__).resolve().parent
SCRIPT_TIMEOUT_S = 60
FIRST_PART = b"FIRST_PART\n"


async def run_client(
    script: str, scenario: str, graphql_url: str, *, on_first_part: Any = None
) -> dict[str, Any]:
    """``node <script> <scenario>`` against ``graphql_url``: the JSON report it prints.

    Example: ``report = await run_client("apollo.mjs", "normalization", graphql_url)``. The report
    holds the scenario's observations plus ``exchanges`` (every HTTP request the client made) and
    ``consoleMessages`` (warnings and errors the client library printed). A scenario that prints
    ``FIRST_PART`` on a line of its own (the first part of a deferred answer reached it) has
    ``await on_first_part()`` called right then.
    """
    process = await asyncio.create_subprocess_exec(
        "node",
        script,
        scenario,
        cwd=HERE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_GRAPHQL_URL": graphql_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        if on_first_part is not None:
            line = await asyncio.wait_for(process.stdout.readline(), SCRIPT_TIMEOUT_S)
            assert line == FIRST_PART, f"{script} {scenario} printed {line!r} first"
            await on_first_part()
        stdout, stderr = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = stdout.decode()
    errors = stderr.decode()[-3000:]
    assert process.returncode == 0, f"{script} {scenario} failed:\n{text}\n{errors}"
    report: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return report


def requests_named(report: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    """The HTTP exchanges of ``report`` that carried ``operation``."""
    return [e for e in report["exchanges"] if e["operationName"] == operation]


@asynccontextmanager
async def restriction_reads_held(dsn: str) -> AsyncIterator[Any]:
    """Hold every read of redemption limits until the yielded ``release()`` is awaited.

    An ACCESS EXCLUSIVE lock on ``promotion_restriction_usage`` (which only ``restrictions``
    reads, never the listing itself) makes the deferred part of a cart answer wait, so a test
    can see the first part arrive alone. Released at the latest when the block ends.
    """
    conn = await asyncpg.connect(dsn)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("LOCK TABLE promotion_restriction_usage IN ACCESS EXCLUSIVE MODE")
    released = False

    async def release() -> None:
        nonlocal released
        if not released:
            released = True
            await transaction.rollback()

    try:
        yield release
    finally:
        await release()
        await conn.close()
