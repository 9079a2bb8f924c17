"""What the test suite needs from outside Python, installed on first use.

``uv run pytest`` is the whole test command: a test that needs a system tool or an npm project
asks for it here. npm projects are installed from their committed lockfiles (``npm ci``); Debian
packages with ``apt-get`` when we are root and apt is there, otherwise the run fails at once with
the exact command to type. Each install happens once per machine, under a file lock, so parallel
runs (several pytest processes, CI and a developer) never install the same thing twice at once.
Nothing is ever skipped.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

LOCK_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "offers-gateway-provision"
APT_TIMEOUT_S = 900
NPM_TIMEOUT_S = 600


@contextmanager
def _locked(name: str) -> Iterator[None]:
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCK_DIR / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    stamp = LOCK_DIR / "apt-updated"
    if not stamp.exists():
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=APT_TIMEOUT_S)
        stamp.touch()
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, timeout=APT_TIMEOUT_S
    )


def require_tool(executable: str, package: str) -> str:
    """Path of ``executable``, installing Debian's ``package`` first when it is missing.

    Example: ``chromium = require_tool("chromium", "chromium")``. Fails the test (never skips) with
    the command to run when the tool is missing and cannot be installed here.
    """
    found = shutil.which(executable) or shutil.which(executable, path="/usr/sbin:/sbin")
    if found:
        return found
    can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not can_install:
        pytest.fail(
            f"{executable} is missing: run `sudo apt-get install -y {package}` and test again",
            pytrace=False,
        )
    with _locked("apt"):
        found = shutil.which(executable) or shutil.which(executable, path="/usr/sbin:/sbin")
        if found is None:
            try:
                _apt_install([package])
            except (subprocess.SubprocessError, OSError) as error:
                pytest.fail(f"apt-get install -y {package} failed: {error}", pytrace=False)
            found = shutil.which(executable) or shutil.which(executable, path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail(f"{package} installed but {executable} is still missing", pytrace=False)
    return found


def require_postgresql_server(package: str = "postgresql-15") -> Path:
    """The folder of PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup).

    Installs Debian's ``package`` when they are missing (as ``require_tool`` does), or fails
    with the command to run.
    """
    from tests.streaming_replica import ReplicaToolsMissing, server_bin_dir

    try:
        return server_bin_dir()
    except ReplicaToolsMissing as missing:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail(f"{missing}; run `sudo apt-get install -y {package}`", pytrace=False)
    with _locked("apt"):
        try:
            return server_bin_dir()
        except ReplicaToolsMissing:
            try:
                _apt_install([package])
            except (subprocess.SubprocessError, OSError) as error:
                pytest.fail(f"apt-get install -y {package} failed: {error}", pytrace=False)
    try:
        return server_bin_dir()
    except ReplicaToolsMissing as missing:
        pytest.fail(f"{package} installed but: {missing}", pytrace=False)


def _require_node() -> None:
    require_tool("node", "nodejs")
    require_tool("npm", "npm")


def _lock_name(kind: str, folder: Path) -> str:
    return kind + str(folder.resolve()).replace("/", "_")


def _lockfile_installed(project: Path) -> bool:
    # npm ci writes node_modules/.package-lock.json; equal content means this very lockfile.
    hidden = project / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    return (
        _stamp(project).is_file()
        and _stamp(project).read_bytes() == (project / "package-lock.json").read_bytes()
    )


def _stamp(project: Path) -> Path:
    return project / "node_modules" / ".installed-lockfile"


def require_npm_project(project: Path) -> Path:
    """``project``'s node_modules, from ``npm ci`` of its lockfile when missing or stale.

    Example: ``require_npm_project(Path(__file__).parent)`` before running its node scripts.
    """
    _require_node()
    if _lockfile_installed(project):
        return project / "node_modules"
    with _locked(_lock_name("npm", project)):
        if not _lockfile_installed(project):
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_S,
            )
            if done.returncode != 0:
                pytest.fail(f"npm ci failed in {project}:\n{done.stderr[-4000:]}", pytrace=False)
            _stamp(project).write_bytes((project / "package-lock.json").read_bytes())
    return project / "node_modules"
