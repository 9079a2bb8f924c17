"""Run the federation node project (composers, Hive Gateway) from tests; fail clearly if missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def require_node_project() -> None:
    """Fail (not skip) with how to fix it when node or the npm packages are missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise AssertionError("node and npm are required for the federation tests (Node >= 20)")
    if not (HERE / "node_modules" / "@apollo" / "composition").is_dir():
        raise AssertionError(f"npm packages missing: run `npm ci` in {HERE} (.ci/run does)")


def accounts_sdl(directory: Path) -> Path:
    """Write the accounts subgraph's SDL into ``directory``; return the file."""
    sdl = subprocess.run(
        [sys.executable, str(HERE / "accounts.py"), "--sdl"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    path = directory / "accounts.graphql"
    path.write_text(sdl)
    return path


def compose(
    composer: str, out: Path, subgraphs: dict[str, tuple[str, Path]]
) -> subprocess.CompletedProcess[str]:
    """Compose ``{name: (url, sdl_path)}`` with ``composer`` ("apollo" or "guild") into ``out``."""
    require_node_project()
    specs = [f"{name}={url}={path}" for name, (url, path) in subgraphs.items()]
    return subprocess.run(
        ["node", "compose.mjs", composer, str(out), *specs],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
