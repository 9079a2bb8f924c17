"""strawberry's GraphiQL page, with our default query and (when installed) local assets.

strawberry's ``graphiql.html`` loads React, GraphiQL and the explorer plugin from unpkg.com with
``integrity`` hashes. ``gateway ide install`` installs the same npm versions, whose files are
byte-identical, so rewriting ``https://unpkg.com/<package>@<version>/`` to a local mount keeps the
hashes valid and the page works without internet.

Subscriptions need nothing more: the page's ``GraphiQL.createFetcher({subscriptionUrl})`` uses
the graphql-ws client bundled inside ``graphiql.min.js`` (graphql-transport-ws, the Headers pane
as the ``connection_init`` payload); tests/browser/test_graphiql_browser.py runs one offline.
"""

from __future__ import annotations

import json
import re

from strawberry.http.ides import get_graphql_ide_html

UNPKG_URL = re.compile(
    r"https://unpkg\.com/(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.-]+)/"
)
_EXAMPLE_QUERY = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)


def strawberry_page() -> str:
    """The GraphiQL page strawberry ships (loads from unpkg.com)."""
    return get_graphql_ide_html("graphiql")


def cdn_packages(html: str) -> dict[str, str]:
    """The npm packages and versions ``html`` loads from unpkg.com.

    >>> cdn_packages('<script src="https://unpkg.com/react@18.2.0/umd/react.js">')
    {'react': '18.2.0'}
    """
    return {match["package"]: match["version"] for match in UNPKG_URL.finditer(html)}


def graphiql_page(default_query: str, assets_url: str | None) -> str:
    """The page: ``default_query`` pre-filled; assets from ``assets_url`` (None: unpkg.com).

    ``assets_url`` is where the ``node_modules`` folder is served, e.g. ``/graphql-ide``.
    """
    html = strawberry_page()
    # JSON is a valid JS string literal; escaping "</" keeps it from closing the <script>.
    literal = json.dumps(default_query).replace("</", "<\\/")
    html, replaced = _EXAMPLE_QUERY.subn(lambda _: f"const EXAMPLE_QUERY = {literal};", html)
    if replaced != 1:
        raise RuntimeError("strawberry's graphiql.html changed: EXAMPLE_QUERY not found")
    if assets_url is not None:
        html = UNPKG_URL.sub(lambda match: f"{assets_url}/{match['package']}/", html)
    return html
