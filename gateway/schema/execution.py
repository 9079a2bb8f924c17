"""graphql-core execution with a short path for plain scalar fields.

A cart answer is hundreds of fields, and most are attributes of a dataclass (``promotionName``,
``kpi``, ``maxLimit``...). graphql-core treats each one like any resolver: a ``Path``, a
``ResolveInfo``, the argument values, two awaitable checks and the generic ``complete_value``
dispatch — most of a cache-miss answer's time. For a field that strawberry resolves by attribute
lookup (no resolver, no field extension, the default ``getattr`` resolver) and whose type is a
scalar or an enum, this context reads and coerces the value directly; which fields those are is
worked out once per selection set and request. Anything else — a real resolver, an object or list
type, ``__typename``, arguments, a value that is missing or fails to coerce — takes graphql-core's
own path, so errors, null propagation and messages stay exactly as they were (tests compare both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_LEAF_TYPES = (GraphQLScalarType, GraphQLEnumType)


class _Leaf(NamedTuple):
    """How to complete an attribute-backed scalar field on the short path."""

    attribute: str
    coerce: Callable[[Any], Any]
    non_null: bool


class _Step(NamedTuple):
    """One entry of a selection set: the short path when ``leaf`` is set, else graphql-core's."""

    response_name: str
    field_details_list: Any
    leaf: _Leaf | None


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, completing attribute-backed scalar fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # strawberry always passes a manager; it wraps resolvers only when an extension
        # resolves fields (tracing), and then every field keeps graphql-core's path.
        manager = self.middleware_manager
        self._short_path = manager is None or not manager.middlewares
        # graphql-core collects a selection set once per type and reuses the result for every
        # item of a list: plan it once too (kept with it, so its id cannot be reused).
        self._plans: dict[int, tuple[object, list[_Step]]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """Execute a selection set; attribute-backed scalars complete without the machinery."""
        if not self._short_path:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        planned = self._plans.get(id(grouped_field_set))
        if planned is None or planned[0] is not grouped_field_set:
            planned = (grouped_field_set, _plan(parent_type, grouped_field_set))
            self._plans[id(grouped_field_set)] = planned
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        type_name = parent_type.name
        try:
            for step in planned[1]:
                leaf = step.leaf
                if leaf is not None:
                    value = getattr(source_value, leaf.attribute)
                    if value is None:
                        if not leaf.non_null:
                            results[step.response_name] = None
                            continue
                    elif not isinstance(value, Exception):
                        try:
                            coerced = leaf.coerce(value)
                        except Exception:  # graphql-core reports it, below
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[step.response_name] = coerced
                            continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    step.field_details_list,
                    Path(path, step.response_name, type_name),
                    position_context,
                )
                if result is not Undefined:
                    results[step.response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(step.response_name)
        except Exception:
            if awaitable_fields:
                # Settle the coroutines already made: they may fail too (as graphql-core does).
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


def _plan(parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Step]:
    return [
        _step(parent_type, response_name, field_details_list)
        for response_name, field_details_list in grouped_field_set.items()
    ]


def _step(parent_type: GraphQLObjectType, response_name: str, field_details_list: Any) -> _Step:
    general = _Step(response_name, field_details_list, None)
    field_node = field_details_list[0].node
    field_def = parent_type.fields.get(field_node.name.value)
    if field_def is None or field_node.arguments:
        return general
    resolve = field_def.resolve
    definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        resolve is None
        or not getattr(resolve, "_is_default", False)
        or definition is None
        or getattr(definition, "default_resolver", None) is not getattr
    ):
        return general
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf_type = return_type.of_type if non_null else return_type
    if not isinstance(leaf_type, _LEAF_TYPES):
        return general
    leaf = _Leaf(definition.python_name, leaf_type.coerce_output_value, non_null)
    return _Step(response_name, field_details_list, leaf)
