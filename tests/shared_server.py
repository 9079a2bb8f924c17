"""One ``gateway serve`` shared by a module's tests: its demo database snapshot, its metrics, and
each test's fresh start (``tests/pristine.py`` puts the rows back)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import demo_database
from tests.pristine import restore, snapshot
from tests.serving import running_gateway

# How long subscriptions of an earlier test may take to close on the server.
QUIET_S = 10


@contextmanager
def served_demo(server_dsn: str, template_database: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(``/graphql`` URL, database DSN) of a real ``gateway serve`` (development mode) on a demo
    database of its own, snapshotted for ``restore``."""
    with demo_database(server_dsn, template_database) as dsn:
        asyncio.run(snapshot(dsn))
        env = {"DATABASE_URL": dsn, "GATEWAY_DATA_DIR": str(folder / "state")}
        with running_gateway(env, log=folder / "gateway.log") as (base, _process):
            yield f"{base}/graphql", dsn


async def metrics(graphql_url: str) -> str:
    """The served gateway's /metrics text."""
    async with httpx.AsyncClient() as http:
        return (await http.get(graphql_url.replace("/graphql", "/metrics"))).text


def counter(text: str, name: str) -> float:
    """One unlabelled series of a /metrics text, 0 when absent.

    >>> counter("gateway_subscriptions_open 2.0\\n", "gateway_subscriptions_open")
    2.0
    """
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def fresh(graphql_url: str, dsn: str) -> None:
    """The demo data put back, and no subscription of an earlier test still open (its rounds
    would count in the next test's), waiting ``QUIET_S`` at most."""
    await restore(dsn)
    deadline = time.monotonic() + QUIET_S
    while (open_now := counter(await metrics(graphql_url), "gateway_subscriptions_open")) != 0:
        assert time.monotonic() < deadline, f"{open_now} subscriptions still open"
        await asyncio.sleep(0.05)
