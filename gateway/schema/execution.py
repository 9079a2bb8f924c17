"""graphql-core execution with a short path for plain scalar fields.

A cart answer is hundreds of fields, and most are attributes of a dataclass (``promotionName``,
``kpi``, ``maxLimit``...). graphql-core treats each one like any resolver: a ``ResolveInfo``, the
argument values, two awaitable checks and the generic ``complete_value`` dispatch — about 9 µs a
field on these machines, most of a cache-miss answer's time. For a field that strawberry resolves
by attribute lookup (its resolver is marked ``_is_default``) and whose type is a scalar or an enum,
this context reads and coerces the value directly. Anything else — a real resolver, an object or
list type, ``__typename``, a value that is missing or fails to coerce — takes graphql-core's own
path, so errors, null propagation and messages stay exactly as they were.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_LEAF_TYPES = (GraphQLScalarType, GraphQLEnumType)


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, completing attribute-backed scalar fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # strawberry always passes a manager; it wraps resolvers only when an extension
        # resolves fields (tracing), and then every field keeps graphql-core's path.
        manager = self.middleware_manager
        self._short_path = manager is None or not manager.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """Resolve a field: attribute-backed scalars here, the rest as graphql-core does."""
        field_node = field_details_list[0].node
        field_def = parent_type.fields.get(field_node.name.value)
        if field_def is not None and not field_node.arguments and self._short_path:
            resolve = field_def.resolve
            if resolve is not None and getattr(resolve, "_is_default", False):
                return_type = field_def.type
                non_null = isinstance(return_type, GraphQLNonNull)
                leaf_type = return_type.of_type if non_null else return_type
                if isinstance(leaf_type, _LEAF_TYPES):
                    value = resolve(source, None)
                    if value is None:
                        if not non_null:
                            return None
                    elif not isinstance(value, Exception):
                        try:
                            coerced = leaf_type.coerce_output_value(value)
                        except Exception:  # graphql-core reports it, below
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            return coerced
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
