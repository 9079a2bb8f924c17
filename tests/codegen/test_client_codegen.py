"""A TypeScript frontend can generate types for the README's operations from ``schema.graphql``.

Runs ``@graphql-codegen/cli`` (pinned in package.json / package-lock.json beside this file;
``npm ci`` when node_modules is missing) over ``operations/*.graphql`` and GraphiQL's default
query, then ``tsc --strict`` over the output. Needs node and npm: missing fails, never skips.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.provision import require_npm_project

HERE = Path(__file__).resolve().parent
BIN = HERE / "node_modules" / ".bin"
GENERATED = HERE / "generated" / "operations.ts"


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=HERE, capture_output=True, text=True, check=False, timeout=300
    )


@pytest.fixture(scope="module")
def node_tools() -> Path:
    """``node_modules/.bin`` with graphql-codegen and tsc, installed with ``npm ci`` if missing."""
    require_npm_project(HERE)
    return BIN


def test_typescript_types_generate_and_typecheck_for_example_operations(
    node_tools: Path,
) -> None:
    GENERATED.unlink(missing_ok=True)

    codegen = _run(str(node_tools / "graphql-codegen"), "--config", "codegen.json")
    assert codegen.returncode == 0, f"graphql-codegen failed:\n{codegen.stdout}{codegen.stderr}"
    typecheck = _run(
        str(node_tools / "tsc"), "--noEmit", "--strict", "--skipLibCheck", str(GENERATED)
    )
    assert typecheck.returncode == 0, f"tsc failed:\n{typecheck.stdout}{typecheck.stderr}"

    types = GENERATED.read_text()
    for operation in ("DemoOffersAndPromotionsQuery", "CartPromotionsQueryVariables"):
        assert f"export type {operation} =" in types
