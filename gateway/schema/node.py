"""The ``Node`` interface: objects a client refetches by id (Relay global object identification).

Implementing types keep ``id`` as a plain attribute, computed when the object is built, so the
execution engine's short path completes it like any other attribute (strawberry.relay's ``Node``
resolves ``id`` through a resolver per object instead). Ids are made by ``gateway.identity``.
"""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a global id, which Query.node and Query.nodes refetch."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Unique across the schema and stable across requests; opaque (do not parse)."
    )
