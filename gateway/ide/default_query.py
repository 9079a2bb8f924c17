"""The operation GraphiQL opens with: both APIs, against the demo customers.

It lives in ``default_query.graphql`` (editor support; the client codegen check reads it too).
"""

from __future__ import annotations

from gateway.resources import package_file

DEFAULT_QUERY = package_file("ide", "default_query.graphql").read_text(encoding="utf-8")
