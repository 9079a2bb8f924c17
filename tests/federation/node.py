"""Run the federation node project (composers, Hive Gateway) from tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.provision import require_npm_project

HERE = Path(__file__).resolve().parent


def require_node_project() -> None:
    """The composers and Hive Gateway, installed from this folder's lockfile when missing."""
    require_npm_project(HERE)


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
