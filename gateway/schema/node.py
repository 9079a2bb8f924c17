"""The ``Node`` interface: objects a client refetches by id (Relay global object identification).

An implementing type either keeps ``id`` as a plain attribute, computed when the object is built,
or, when it views a domain record (``gateway.schema.views``), computes it with a function of the
record alone, which compiled plans call inline and only when ``id`` is selected. Ids are made by
``gateway.identity``.
"""

from __future__ import annotations

import strawberry

# Node.id's description, repeated by the types that compute their id with a resolver.
ID_DESCRIPTION = "Unique across the schema and stable across requests; opaque (do not parse)."


@strawberry.interface(
    description="An object with a global id, which Query.node and Query.nodes refetch."
)
class Node:
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
