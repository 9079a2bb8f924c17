"""The Yoga peer: the cart server a team would write instead (GraphQL Yoga, hand-written
resolvers, DataLoader, ``pg``; ``bench/yoga/server.mjs``), and the check that it answers
what the gateway answers.

Its npm project is pinned in the bench folder and installed with ``npm ci`` into the data dir on
first use, like PostGraphile's; ``server.mjs`` is copied beside that ``node_modules`` (Node
resolves an ES module's imports from the script's own folder). It runs the gateway's three SQL
statements, handed over in a JSON file, so the bench compares the servers around the queries.

Example::

    project = install_yoga(load_settings().data_dir / "bench" / "yoga")
    with start_yoga(project, dsn, workdir) as server:
        compare_with_gateway(dsn, server.url(), customer_ids)
    # -> []
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bench import scenarios
from bench.servers import SERVER_CORE, Server, free_port, post
from gateway.ide.npm_project import install as npm_install
from gateway.ide.npm_project import is_current as npm_is_current
from gateway.promotions.listing import LISTING_SQL
from gateway.promotions.programs import PROGRAMS_SQL
from gateway.promotions.restrictions import RESTRICTIONS_SQL

YOGA = Path(__file__).with_name("yoga")
SERVER_SCRIPT = "server.mjs"
QUERIES = {"listing": LISTING_SQL, "restrictions": RESTRICTIONS_SQL, "programs": PROGRAMS_SQL}


def install_yoga(project: Path, log: Callable[[str], None] = lambda _line: None) -> Path:
    """``npm ci`` of the pinned Yoga project into ``project`` (once), its server script beside
    it; returns ``project``."""
    if not npm_is_current(YOGA, project):
        log(f"npm ci (GraphQL Yoga peer) in {project} ...")
        npm_install(YOGA, project, timeout_s=300)
    script = (YOGA / SERVER_SCRIPT).read_bytes()
    target = project / SERVER_SCRIPT
    if not target.is_file() or target.read_bytes() != script:
        # Written aside, then renamed: a server starting meanwhile reads a whole file.
        with tempfile.NamedTemporaryFile(dir=project, delete=False, suffix=".tmp") as out:
            out.write(script)
        os.replace(out.name, target)
    return project


def start_yoga(
    project: Path,
    dsn: str,
    workdir: Path,
    *,
    core: str | None = SERVER_CORE,
    count_round_trips: bool = False,
) -> Server:
    """The Yoga peer on a free port of 127.0.0.1 (pinned to ``core`` unless None), serving the
    database ``dsn``; ``count_round_trips`` adds ``extensions.sqlRoundTrips`` to its answers."""
    queries = (workdir / "yoga-queries.json").resolve()
    queries.write_bytes(orjson.dumps(QUERIES))
    port = free_port()
    command = ["node", str((project / SERVER_SCRIPT).resolve()), "--port", str(port)]
    command += ["--queries", str(queries)]
    env = {**os.environ, "NODE_ENV": "production", "DATABASE_URL": dsn}
    env["YOGA_COUNT_ROUND_TRIPS"] = "1" if count_round_trips else "0"
    log = workdir / "yoga.log"
    return Server.start("yoga peer", command, port=port, env=env, log=log, core=core, cwd=project)


def compare_with_gateway(
    dsn: str, peer_url: str, customer_ids: Sequence[str], query: str = scenarios.CART
) -> list[str]:
    """The customers whose cart differs between the peer (over HTTP) and the gateway (in-process,
    same database), one line each naming the first difference; empty when all are equal."""
    ours = asyncio.run(gateway_answers(dsn, customer_ids, query))
    mismatches = []
    for customer in customer_ids:
        body = scenarios.body(query, {"customerId": customer}).encode()
        theirs = orjson.loads(post(peer_url, body, {}))
        if theirs.get("errors"):
            mismatches.append(f"{customer}: the peer answered errors {theirs['errors']}")
            continue
        difference = first_difference(ours[customer], theirs.get("data"))
        if difference is not None:
            mismatches.append(f"{customer}: {difference}")
    return mismatches


async def gateway_answers(
    dsn: str, customer_ids: Sequence[str], query: str = scenarios.CART
) -> dict[str, Any]:
    """The gateway's ``data`` for ``query`` per customer, executed in-process through the schema."""
    from gateway.context import build_context
    from gateway.db import create_pool
    from gateway.operation.assembly import build_schema
    from gateway.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as data_dir:
        settings = load_settings(database_url=dsn, env="development", data_dir=Path(data_dir))
        schema = build_schema(settings)
        pool = await create_pool(dsn, settings)
        answers: dict[str, Any] = {}
        try:
            for customer in customer_ids:
                result = await schema.execute(
                    query,
                    variable_values={"customerId": customer},
                    context_value=build_context(pool, settings),
                )
                if result.errors:
                    raise ValueError(f"the gateway answered {customer} with {result.errors}")
                answers[customer] = result.data  # scalars already serialized, as over HTTP
        finally:
            await pool.close()
    return answers


def first_difference(ours: object, theirs: object, path: str = "") -> str | None:
    """Where two JSON values first differ (``path: ours != theirs``), or None when equal.

    >>> first_difference({"a": [1, 2]}, {"a": [1, 3]})
    'a[1]: 2 != 3'
    """
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(ours.keys() | theirs.keys()):
            where = f"{path}.{key}" if path else key
            if key not in ours or key not in theirs:
                return f"{where}: only in {'ours' if key in ours else 'theirs'}"
            found = first_difference(ours[key], theirs[key], where)
            if found is not None:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items != {len(theirs)}"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            found = first_difference(mine, other, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if ours != theirs:
        return f"{path}: {ours!r} != {theirs!r}"
    return None
