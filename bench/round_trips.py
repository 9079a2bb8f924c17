"""SQL round trips per request, counted in-process through the schema in development mode
(production responses do not carry ``extensions.sqlRoundTrips``).

Each operation runs twice and the second count is kept: the first request of a process also
compiles the offers catalog (one extra round trip, once per catalog version and process).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.shape import Shape
from gateway.context import build_context
from gateway.db import create_pool
from gateway.schema import build_schema, export_sdl
from gateway.settings import load_settings


@dataclass(frozen=True)
class Probe:
    """One operation to count: a name and the POST body the load test sends."""

    name: str
    body: str


async def count_round_trips(dsn: str, probes: list[Probe]) -> dict[str, int | None]:
    """``probe.name`` → round trips of its second run (None when it returned errors)."""
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as data_dir:
        settings = load_settings(database_url=dsn, env="development", data_dir=Path(data_dir))
        schema = build_schema(settings)
        pool = await create_pool(dsn, settings)
        counts: dict[str, int | None] = {}
        try:
            for probe in probes:
                payload = orjson.loads(probe.body)
                count: int | None = None
                for _ in range(2):
                    context = build_context(pool, settings)
                    result = await schema.execute(
                        payload["query"],
                        variable_values=payload.get("variables"),
                        context_value=context,
                    )
                    count = None if result.errors else context.db.round_trips.count
                counts[probe.name] = count
        finally:
            await pool.close()
    return counts


def schema_sdl() -> str:
    """The gateway's SDL, to see which fields exist in this checkout."""
    return export_sdl(build_schema())


def has_field(sdl: str, type_name: str, field: str) -> bool:
    """True when ``type_name`` in ``sdl`` has a field named ``field``.

    >>> has_field("type Query {\\n  a: Int\\n}", "Query", "a")
    True
    """
    start = sdl.find(f"type {type_name} ")
    if start < 0:
        return False
    block = sdl[start : sdl.find("\n}", start)]
    return f"\n  {field}(" in block or f"\n  {field}:" in block


def probes_for(
    shape: Shape, personalized: str | None, cart: str, entities: str | None
) -> list[Probe]:
    """The probes of the available scenarios."""
    probes = [Probe("cart_full", cart)]
    if personalized is not None:
        probes.append(Probe("personalized", personalized))
    if entities is not None:
        probes.append(Probe("entities_100", entities))
    return probes
