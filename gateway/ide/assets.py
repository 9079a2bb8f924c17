"""GraphiQL's npm packages: pinned here (package.json + package-lock.json), installed with npm.

``gateway ide install`` copies the two files into the assets folder (git-ignored, in the data dir
by default) and runs ``npm ci`` there; nothing third-party is committed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

NPM_PROJECT = Path(__file__).parent
NPM_FILES = ("package.json", "package-lock.json")


class IdeInstallError(RuntimeError):
    """npm is missing or failed; the message says what to do."""


def missing_packages(node_modules: Path, wanted: dict[str, str]) -> list[str]:
    """``package@version`` entries of ``wanted`` not installed in ``node_modules`` at that version.

    >>> missing_packages(Path(".gateway/ide/node_modules"), {"react": "18.2.0"})
    []
    """
    missing = []
    for package, version in sorted(wanted.items()):
        manifest = node_modules / package / "package.json"
        try:
            installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            installed = None
        if installed != version:
            missing.append(f"{package}@{version}")
    return missing


def is_current(target: Path) -> bool:
    """True when ``target`` holds an ``npm ci`` of exactly our lockfile."""
    lock = target / "package-lock.json"
    return (
        lock.is_file()
        and lock.read_bytes() == (NPM_PROJECT / "package-lock.json").read_bytes()
        and (target / "node_modules" / ".package-lock.json").is_file()
    )


def install(target: Path, *, npm: str = "npm") -> bool:
    """Install the pinned packages into ``target/node_modules``; False when already current.

    >>> install(Path(".gateway/ide"))
    True
    """
    if is_current(target):
        return False
    executable = shutil.which(npm)
    if executable is None:
        raise IdeInstallError(
            f"`{npm}` not found: install Node.js (Debian: apt-get install -y nodejs npm)"
        )
    target.mkdir(parents=True, exist_ok=True)
    for name in NPM_FILES:
        shutil.copyfile(NPM_PROJECT / name, target / name)
    command = [executable, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    done = subprocess.run(command, cwd=target, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        (target / "package-lock.json").unlink(missing_ok=True)
        raise IdeInstallError(f"npm ci failed in {target}:\n{done.stderr.strip()}")
    return True
