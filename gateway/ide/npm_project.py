"""npm projects pinned in the repository (``package.json`` + ``package-lock.json``: GraphiQL's
inside the package, the benchmark's peers in ``bench/``), installed on demand with ``npm ci``
into a writable folder (the package itself may be read-only).

An install runs in a staging folder and is swapped in at the end, under a file lock: a reader
never sees half a ``node_modules``, and two processes never install into the same folder at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path

NPM_FILES = ("package.json", "package-lock.json")
NPM_CI = ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]


class NpmInstallError(RuntimeError):
    """npm is missing, failed or took too long; the message says what to do."""


def is_current(source: Traversable, target: Path) -> bool:
    """True when ``target`` holds an ``npm ci`` of exactly ``source``'s lockfile."""
    lock = target / "package-lock.json"
    return (
        lock.is_file()
        and lock.read_bytes() == (source / "package-lock.json").read_bytes()
        and (target / "node_modules" / ".package-lock.json").is_file()
    )


def install(
    source: Traversable,
    target: Path,
    *,
    npm: str = "npm",
    timeout_s: float = 600,
    cancel: threading.Event | None = None,
) -> bool:
    """``npm ci`` of ``source``'s pinned packages into ``target``; False when already current.

    ``cancel`` set while npm runs stops it (NpmInstallError); nothing half-done is left behind.

    Example::

        install(package_file("ide"), Path(".gateway/ide"))
        # -> True
    """
    if is_current(source, target):
        return False
    executable = shutil.which(npm)
    if executable is None:
        raise NpmInstallError(
            f"`{npm}` not found: install Node.js (Debian: apt-get install -y nodejs npm)"
        )
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / ".install.lock", cancel):
        if is_current(source, target):
            return False  # another process installed it while we waited
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
        try:
            for name in NPM_FILES:
                (staging / name).write_bytes((source / name).read_bytes())
            _npm_ci([executable, *NPM_CI], staging, timeout_s, cancel)
            _swap_in(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return True


def _npm_ci(
    command: list[str], cwd: Path, timeout_s: float, cancel: threading.Event | None
) -> None:
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, text=True
        )
        try:
            waited = 0.0
            while process.poll() is None:
                if (cancel is not None and cancel.is_set()) or waited > timeout_s:
                    process.terminate()
                    process.wait(timeout=10)
                    why = "cancelled" if waited <= timeout_s else f"not done in {timeout_s:.0f} s"
                    raise NpmInstallError(f"npm ci {why} in {cwd}")
                try:
                    process.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    waited += 0.5
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if process.returncode != 0:
            errors.seek(0)
            raise NpmInstallError(f"npm ci failed in {cwd}:\n{errors.read().strip()[-4000:]}")


def _swap_in(staging: Path, target: Path) -> None:
    # The lockfile goes last: is_current() is true only once node_modules is in place.
    (target / "package-lock.json").unlink(missing_ok=True)
    current = target / "node_modules"
    if current.exists():
        current.rename(staging / "node_modules.previous")  # removed with the staging folder
    (staging / "node_modules").rename(current)
    for name in NPM_FILES:
        os.replace(staging / name, target / name)


@contextmanager
def _locked(path: Path, cancel: threading.Event | None) -> Iterator[None]:
    with path.open("a") as handle:
        while True:  # poll rather than block, so that a cancel is noticed while waiting
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if cancel is not None and cancel.is_set():
                    message = f"cancelled while another install ran in {path.parent}"
                    raise NpmInstallError(message) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
