"""The schema class: ``_entities`` input checked before anything resolves; quiet error logs."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext, Info

from gateway.errors import ErrorCode, GatewayError, bad_input

ENTITY_KEYS = {"Customer": "id"}


class GatewaySchema(Schema):
    """strawberry's federation schema, refusing oversized or malformed ``representations``."""

    def __init__(self, *args: Any, max_entities: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_entities = max_entities

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log nothing here: the gateway extension logs each unexpected error once (``classify``).

        strawberry's default logs every error at ERROR, expected ones included (a bad argument,
        a database outage): a flood that hides real bugs and costs time under load.
        """

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Check the representations (count, type, key), then resolve them as strawberry does."""
        if len(representations) > self.max_entities:
            raise GatewayError(
                ErrorCode.LIMIT_EXCEEDED,
                f"representations: at most {self.max_entities} per request, "
                f"got {len(representations)}",
            )
        clean: list[FederationAny] = []
        for index, representation in enumerate(representations):
            fields = representation if isinstance(representation, dict) else {}
            typename = fields.get("__typename")
            key = ENTITY_KEYS.get(typename) if isinstance(typename, str) else None
            value = fields.get(key) if key else None
            if key is None or not isinstance(value, str) or not value:
                raise bad_input(
                    f"representations[{index}]",
                    'expected {"__typename": "Customer", "id": "<customer id>"}',
                )
            clean.append({"__typename": typename, key: value})  # type: ignore[arg-type]
        return super().entities_resolver(info, clean)
