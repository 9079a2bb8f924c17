"""``serve`` fetches GraphiQL's pinned assets itself, in the background, when they are missing.

The gateway serves at once; the page loads from unpkg.com until ``npm ci`` is done (15-60 s on a
first run), then from the data dir. Without npm, one log line says how to get them.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from gateway.ide.assets import IdeInstallError, install, is_current

logger = logging.getLogger("gateway")


class AssetFetch:
    """Installs the assets into ``ide_dir`` in a background thread; ``stop`` cancels npm.

    Example::

        fetch = AssetFetch(Path(".gateway/ide"))
        fetch.start()  # False when there is nothing to do (or no npm)
        # -> True
        fetch.stop()
    """

    def __init__(self, ide_dir: Path, *, npm: str = "npm") -> None:
        self.ide_dir = ide_dir
        self.npm = npm
        self.installed = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="graphiql-assets", daemon=True)

    def start(self) -> bool:
        """Start fetching when the assets are missing and npm is there; say what happens."""
        if is_current(self.ide_dir):
            return False
        if shutil.which(self.npm) is None:
            logger.warning(
                "GraphiQL's assets are not in %s and npm is not installed to fetch them: the "
                "page loads from unpkg.com (install Node.js and npm, then restart `gateway serve`)",
                self.ide_dir,
            )
            return False
        logger.info(
            "GraphiQL's assets are not in %s: fetching them with npm in the background; the "
            "page loads from unpkg.com until they are there",
            self.ide_dir,
        )
        self._thread.start()
        return True

    def stop(self) -> None:
        """Cancel a fetch still running (npm is stopped, nothing half-installed is left)."""
        self._cancel.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def _run(self) -> None:
        started = time.monotonic()
        try:
            install(self.ide_dir, npm=self.npm, cancel=self._cancel)
        except IdeInstallError as exc:
            if not self._cancel.is_set():
                logger.warning("GraphiQL keeps loading from unpkg.com: %s", exc)
            return
        self.installed.set()
        logger.info(
            "GraphiQL's assets are installed in %s (%.0f s): the page now loads them from "
            "this machine",
            self.ide_dir,
            time.monotonic() - started,
        )
