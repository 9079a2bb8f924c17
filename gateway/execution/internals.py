"""Every name of strawberry or graphql-core that the engine uses beyond their documented API.

The compiled path reads strawberry's field definitions and calls its resolvers itself, and the
subscriptions' transports extend strawberry's views, so the service touches a few names that are
not part of strawberry's documented surface. They are all listed here (the service's only ones),
and
``tests/execution/test_internals.py`` asserts each exists with the shape used: an upgrade that
moves one fails naming it. The version pins in ``pyproject.toml`` follow from that test.

=====================================================  =======================================
name                                                   used for
=====================================================  =======================================
``strawberry.Schema._schema``                          the graphql-core schema plans are built on
``GraphQLCoreConverter.DEFINITION_BACKREF``            a GraphQL type or field -> strawberry's
``Schema.schema_converter.scalar_registry``            argument conversion
``strawberry.types.arguments.convert_arguments``       argument conversion (once per plan)
``StrawberryConfig.default_resolver``                  attribute reads equal strawberry's
``StrawberryResolver.wrapped_func``                    the resolver, called directly
``StrawberryResolver.{self,parent,root,info}_parameter``  what the resolver is passed
``strawberry.schema.schema._OperationContextAwareGraphQLResolveInfo``  the resolver's ``info``
``CustomGraphQLEnumType.wrapped_cls``                  enum members serialized by lookup
``Schema._schema`` (operation/extension.py)            validation on graphql-core's path
``AsyncBaseHTTPView._stream_transport_map``            SSE pings (http/subscriptions/view)
``AsyncBaseHTTPView._get_stream_transport``            streamed requests (http/subscriptions/view)
``AsyncBaseHTTPView._process_stream_result``           a deferred answer's parts (http/view)
``graphql_transport_ws ... _OperationStreamClosed``    closed operations (http/subscriptions/ws)
``graphql.execution.incremental.DeliveryGroup``        ``@defer``: a fragment at a path (deferral)
``graphql.execution.incremental.ExecutionGroup``       ``@defer``: deferred fields of an object
``graphql.execution.incremental.ExecutionGroupValue``  ``@defer``: what a group sends
``graphql.execution.incremental.Computation``          ``@defer``: a group run when started
``graphql.execution.incremental.Work``, ``WorkResult``  ``@defer``: groups handed to the scheduler
``graphql.execution.incremental.IncrementalPublisher``  ``@defer``: ids, parts and batches
``graphql.language.parser.MAX_NESTING_DEPTH``          variables: graphql-core's nesting limit
``graphql.utilities.coerce_input_value``               variables: an input field's default, as
``.coerce_default_value``                              graphql-core memoizes it
``graphql.execution.get_variable_signature``           variables: a definition's signature
``graphql Executor._relevant_sub_fields``              a subscription event's memo (live/executor)
=====================================================  =======================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLSchema
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.incremental import (
    Computation,
    DeliveryGroup,
    ExecutionGroup,
    ExecutionGroupValue,
    IncrementalPublisher,
    Work,
    WorkResult,
)
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments as _convert_arguments

DEFINITION_BACKREF: str = GraphQLCoreConverter.DEFINITION_BACKREF
ResolveInfo = _OperationContextAwareGraphQLResolveInfo

WS_HANDLERS = "strawberry.subscriptions.protocols.graphql_transport_ws.handlers"
INCREMENTAL = "graphql.execution.incremental"

__all__ = [
    "DEFINITION_BACKREF",
    "MAX_NESTING_DEPTH",
    "PRIVATE_NAMES",
    "WS_HANDLERS",
    "Computation",
    "DeliveryGroup",
    "ExecutionGroup",
    "ExecutionGroupValue",
    "IncrementalPublisher",
    "ResolveInfo",
    "Work",
    "WorkResult",
    "coerce_default_value",
    "convert_arguments",
    "default_resolver",
    "get_variable_signature",
    "graphql_schema",
    "strawberry_definition",
]

PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("strawberry.schema.schema.Schema", "_schema"),
    ("strawberry.schema.schema_converter.GraphQLCoreConverter", "DEFINITION_BACKREF"),
    ("strawberry.schema.schema_converter.GraphQLCoreConverter", "scalar_registry"),
    ("strawberry.types.arguments", "convert_arguments"),
    ("strawberry.schema.config.StrawberryConfig", "default_resolver"),
    ("strawberry.types.fields.resolver.StrawberryResolver", "wrapped_func"),
    ("strawberry.types.fields.resolver.StrawberryResolver", "self_parameter"),
    ("strawberry.types.fields.resolver.StrawberryResolver", "parent_parameter"),
    ("strawberry.types.fields.resolver.StrawberryResolver", "root_parameter"),
    ("strawberry.types.fields.resolver.StrawberryResolver", "info_parameter"),
    ("strawberry.schema.schema", "_OperationContextAwareGraphQLResolveInfo"),
    ("strawberry.schema.schema_converter.CustomGraphQLEnumType", "wrapped_cls"),
    ("strawberry.http.async_base_view.AsyncBaseHTTPView", "_stream_transport_map"),
    ("strawberry.http.async_base_view.AsyncBaseHTTPView", "_get_stream_transport"),
    ("strawberry.http.async_base_view.AsyncBaseHTTPView", "_process_stream_result"),
    (WS_HANDLERS, "_OperationStreamClosed"),
    (INCREMENTAL, "DeliveryGroup"),
    (INCREMENTAL, "ExecutionGroup"),
    (INCREMENTAL, "ExecutionGroupValue"),
    (INCREMENTAL, "Computation"),
    (INCREMENTAL, "Work"),
    (INCREMENTAL, "WorkResult"),
    (INCREMENTAL, "IncrementalPublisher"),
    ("graphql.language.parser", "MAX_NESTING_DEPTH"),
    ("graphql.utilities.coerce_input_value", "coerce_default_value"),
    ("graphql.execution.get_variable_signature", "get_variable_signature"),
    ("graphql.execution.executor.Executor", "_relevant_sub_fields"),
)


def graphql_schema(strawberry_schema: Any) -> GraphQLSchema:
    """The graphql-core schema a strawberry schema wraps."""
    schema: GraphQLSchema = strawberry_schema._schema
    return schema


def strawberry_definition(graphql_element: Any) -> Any:
    """strawberry's definition behind a graphql-core type or field (None: not strawberry's)."""
    return (graphql_element.extensions or {}).get(DEFINITION_BACKREF)


def default_resolver(strawberry_schema: Any) -> Any:
    """How strawberry reads a field without a resolver (``getattr`` unless configured)."""
    return strawberry_schema.config.default_resolver


def convert_arguments(
    strawberry_schema: Any, coerced: Mapping[str, Any], arguments: list[Any]
) -> dict[str, Any]:
    """graphql-core's coerced argument values as the resolver's keyword arguments."""
    return _convert_arguments(
        dict(coerced),
        arguments,
        scalar_registry=strawberry_schema.schema_converter.scalar_registry,
        config=strawberry_schema.config,
    )
