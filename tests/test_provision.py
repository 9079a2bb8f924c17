"""tests/provision.py: npm projects are installed from their lockfile once, even by parallel runs.

The real ``npm`` runs against the npm registry; a wrapper placed first on PATH only counts its
``npm ci`` calls before handing over to it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.provision import require_tool

ROOT = Path(__file__).resolve().parent.parent
TINY_PROJECT = Path(__file__).resolve().parent / "tiny_npm_project"

CALL_REQUIRE = (
    "import sys; from pathlib import Path; from tests.provision import require_npm_project; "
    "print(require_npm_project(Path(sys.argv[1])))"
)


@pytest.fixture
def counted_npm(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``npm`` logs each call to a file, then runs the real npm."""
    real_npm = require_tool("npm", "npm")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "npm-calls.log"
    wrapper = bin_dir / "npm"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real_npm} "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return env, calls


def _ci_calls(calls: Path) -> int:
    if not calls.exists():
        return 0
    return sum(1 for line in calls.read_text().splitlines() if line.startswith("ci"))


def _require_in_parallel(project: Path, env: dict[str, str], processes: int) -> None:
    started = [
        subprocess.Popen(
            [sys.executable, "-c", CALL_REQUIRE, str(project)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for process in started:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert stdout.strip() == str(project / "node_modules")


def test_parallel_runs_install_an_npm_project_once(
    counted_npm: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, calls = counted_npm
    project = tmp_path / "project"
    shutil.copytree(TINY_PROJECT, project, ignore=shutil.ignore_patterns("node_modules"))

    _require_in_parallel(project, env, processes=2)

    assert _ci_calls(calls) == 1
    installed = json.loads((project / "node_modules" / "is-number" / "package.json").read_text())
    assert installed["version"] == "7.0.0"

    _require_in_parallel(project, env, processes=1)
    assert _ci_calls(calls) == 1, "an up-to-date project must not be installed again"


def test_a_changed_lockfile_is_installed_again(
    counted_npm: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, calls = counted_npm
    project = tmp_path / "project"
    shutil.copytree(TINY_PROJECT, project, ignore=shutil.ignore_patterns("node_modules"))
    _require_in_parallel(project, env, processes=1)

    lockfile = project / "package-lock.json"
    lockfile.write_text(json.dumps(json.loads(lockfile.read_text()), indent=4) + "\n")
    _require_in_parallel(project, env, processes=1)

    assert _ci_calls(calls) == 2


def test_a_present_tool_is_found_without_installing() -> None:
    assert require_tool("sh", "dash") == shutil.which("sh")
