"""``schema.graphql`` is exactly what ``gateway export-schema`` prints."""

from __future__ import annotations

from pathlib import Path

from gateway.operation.assembly import build_schema, export_sdl

COMMITTED = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    exported = export_sdl(build_schema()) + "\n"

    assert COMMITTED.read_text() == exported, (
        "schema.graphql is stale: run `uv run gateway export-schema > schema.graphql`"
    )
