"""GraphiQL's npm packages: pinned here (package.json + package-lock.json), installed with npm.

``gateway ide install`` (and ``serve``, in the background, when they are missing) copies the two
files into the assets folder (git-ignored, in the data dir by default) and runs ``npm ci`` there;
nothing third-party is committed.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from gateway.ide import npm_project
from gateway.ide.npm_project import NpmInstallError as IdeInstallError
from gateway.resources import package_file

NPM_PROJECT = package_file("ide")

__all__ = ["NPM_PROJECT", "IdeInstallError", "install", "is_current", "missing_packages"]


def missing_packages(node_modules: Path, wanted: dict[str, str]) -> list[str]:
    """``package@version`` entries of ``wanted`` not installed in ``node_modules`` at that version.

    >>> missing_packages(Path("no-such-folder/node_modules"), {"react": "18.2.0"})
    ['react@18.2.0']
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
    return npm_project.is_current(NPM_PROJECT, target)


def install(target: Path, *, npm: str = "npm", cancel: threading.Event | None = None) -> bool:
    """Install the pinned packages into ``target/node_modules``; False when already current.

    Example::

        install(Path(".gateway/ide"))
        # -> True
    """
    return npm_project.install(NPM_PROJECT, target, npm=npm, cancel=cancel)
