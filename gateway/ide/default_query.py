"""The operation GraphiQL opens with: both APIs, against the demo customers.

It lives in ``default_query.graphql`` (editor support; the client codegen check reads it too).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_QUERY = (Path(__file__).parent / "default_query.graphql").read_text(encoding="utf-8")
