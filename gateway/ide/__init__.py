"""GraphiQL at ``/graphql``: served from locally installed assets, strawberry's CDN page otherwise.

The assets may arrive while the gateway runs (``serve`` fetches them in the background): until
they are there the page loads from unpkg.com, and the first page asked for after they are
complete loads them locally. One log line says what happens: the fetch's (started, or npm
missing), or, with the fetch off, a warning naming ``gateway ide install``.

- this module: ``Ide``, the page's HTML and the route serving the assets;
- ``page``: strawberry's page with our default query and local assets;
- ``default_query``: the operation GraphiQL opens with;
- ``assets``: the pinned npm project and ``gateway ide install``;
- ``fetch``: ``serve``'s background fetch;
- ``npm_project``: installing a pinned npm project, staged and locked (also the bench's peers).

Example::

    ide = graphiql(load_settings())
    ide.page()  # the HTML: local assets when installed, else the CDN
    ide.routes  # the static mount for the assets (404 until they are installed)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from gateway.ide.assets import missing_packages
from gateway.ide.default_query import DEFAULT_QUERY
from gateway.ide.page import cdn_packages, graphiql_page, strawberry_page
from gateway.settings import Settings

logger = logging.getLogger("gateway")

ASSETS_URL = "/graphql-ide"
# While the page comes from the CDN, look for the assets at most this often (a few stat calls).
RECHECK_S = 1.0

__all__ = ["ASSETS_URL", "DEFAULT_QUERY", "Ide", "graphiql"]


class Ide:
    """The GraphiQL page's HTML (local assets once installed) and the route serving them."""

    def __init__(self, ide_dir: Path, *, fetched: bool = False) -> None:
        self.ide_dir = ide_dir
        self.node_modules = ide_dir / "node_modules"
        self._wanted = cdn_packages(strawberry_page())
        self._cdn_html = graphiql_page(DEFAULT_QUERY, assets_url=None)
        self._local_html = graphiql_page(DEFAULT_QUERY, assets_url=ASSETS_URL)
        self.offline = not missing_packages(self.node_modules, self._wanted)
        self._checked_at = time.monotonic()
        self.routes: list[BaseRoute] = [
            Mount(
                ASSETS_URL,
                app=_AssetFiles(self.node_modules),
                name="ide-assets",
            )
        ]
        # When ``serve`` fetches them (``fetched``), its fetch says so, or says why it cannot.
        if not self.offline and not fetched:
            logger.warning(
                "GraphiQL loads from unpkg.com (needs internet) until its assets are in %s "
                "(`gateway serve` fetches them when npm is available; or run "
                "`gateway ide install`)",
                ide_dir,
            )

    def page(self) -> str:
        """The page's HTML: local assets when installed, else the CDN."""
        if not self.offline and time.monotonic() - self._checked_at >= RECHECK_S:
            self._checked_at = time.monotonic()
            if not missing_packages(self.node_modules, self._wanted):
                self.offline = True
                logger.info("GraphiQL now loads its assets from %s", self.ide_dir)
        return self._local_html if self.offline else self._cdn_html


class _AssetFiles:
    """StaticFiles on ``directory`` once it exists; 404 before (starlette's raises instead)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: StaticFiles | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._files is None:
            if not self.directory.is_dir():
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            self._files = StaticFiles(directory=self.directory)
        await self._files(scope, receive, send)


def graphiql(settings: Settings) -> Ide:
    """GraphiQL with local assets when installed; else the CDN page, and one log line saying so
    unless ``serve`` fetches them (GATEWAY_IDE_FETCH), which logs what it does instead."""
    return Ide(settings.ide_dir, fetched=settings.ide_fetch)
