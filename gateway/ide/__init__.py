"""GraphiQL at ``/graphql``: served from locally installed assets, strawberry's CDN page otherwise.

>>> ide = graphiql(load_settings())
>>> ide.routes  # the static mount for the assets, empty when falling back to the CDN
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from gateway.ide.assets import missing_packages
from gateway.ide.default_query import DEFAULT_QUERY
from gateway.ide.page import cdn_packages, graphiql_page, strawberry_page
from gateway.settings import Settings

logger = logging.getLogger("gateway")

ASSETS_URL = "/graphql-ide"

__all__ = ["ASSETS_URL", "DEFAULT_QUERY", "Ide", "graphiql"]


@dataclass(frozen=True)
class Ide:
    """The GraphiQL page's HTML and the routes serving its assets."""

    html: str
    offline: bool
    routes: list[BaseRoute] = field(default_factory=list)


def graphiql(settings: Settings) -> Ide:
    """GraphiQL with local assets when installed; else the CDN page and one log line saying so."""
    node_modules = settings.ide_dir / "node_modules"
    missing = missing_packages(node_modules, cdn_packages(strawberry_page()))
    if missing:
        logger.warning(
            "GraphiQL loads from unpkg.com (needs internet): its assets are missing or outdated "
            "in %s; run `gateway ide install` to serve them locally",
            settings.ide_dir,
        )
        return Ide(html=graphiql_page(DEFAULT_QUERY, assets_url=None), offline=False)
    return Ide(
        html=graphiql_page(DEFAULT_QUERY, assets_url=ASSETS_URL),
        offline=True,
        routes=[Mount(ASSETS_URL, app=StaticFiles(directory=node_modules), name="ide-assets")],
    )
