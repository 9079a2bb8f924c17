"""A tiny accounts subgraph for the federation tests: owns ``Customer.name`` and ``Query.customer``.

Run: ``python tests/federation/accounts.py PORT`` (serves /graphql on 127.0.0.1) or
``python tests/federation/accounts.py --sdl`` (prints its subgraph SDL).
"""

from __future__ import annotations

import sys

import strawberry
import uvicorn
from strawberry.asgi import GraphQL

NAMES = {
    "demo-b2c": "Bea Consumer",
    "demo-none": "Nils Nomatch",
    "demo-b2b": "Initech",
    "demo-multibrand": "Mia Multi",
    "demo-loyal": "Lou Loyal",
}


@strawberry.federation.type(
    keys=["id"], description="A customer, as the accounts service knows it."
)
class Customer:
    id: strawberry.ID = strawberry.field(description="Customer id.")

    @strawberry.field(description="Display name.")
    def name(self) -> str | None:
        return NAMES.get(str(self.id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field(description="One customer by id.")
    def customer(self, id: strawberry.ID) -> Customer | None:
        return Customer(id=id) if str(id) in NAMES else None


schema = strawberry.federation.Schema(query=Query, federation_version="2.9")

if __name__ == "__main__":
    if sys.argv[1] == "--sdl":
        print(schema.as_str())
    else:
        uvicorn.run(GraphQL(schema), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
