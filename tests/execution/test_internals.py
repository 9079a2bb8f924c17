"""Every private name of strawberry or graphql-core the engine uses exists with the shape used.

An upgrade that moves one fails here, naming it (``gateway.execution.internals``).
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from graphql import GraphQLEnumType
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.fields.resolver import StrawberryResolver

from gateway.execution import internals
from gateway.operation.assembly import build_schema
from gateway.promotions.model import PromotionStatus


def _owner(dotted: str) -> object:
    module, _, attribute = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ImportError:
        return getattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize(("owner", "name"), internals.PRIVATE_NAMES)
def test_each_listed_name_exists(owner: str, name: str) -> None:
    found = _owner(owner)
    if hasattr(found, name):
        return
    # An instance attribute: set by the class itself (dataclass field or assigned in a method).
    assert inspect.isclass(found), f"{owner}.{name}"
    sources = "".join(
        inspect.getsource(c)
        for c in found.__mro__
        if c.__module__.startswith(("strawberry", "graphql"))
    )
    assigned = (f"self.{name} =", f"self.{name}:", f"    {name}:")
    assert any(text in sources for text in assigned), f"{owner}.{name}"


def test_the_schema_and_its_definitions_are_reached_as_the_engine_reads_them() -> None:
    schema = build_schema()
    graphql_schema = internals.graphql_schema(schema)
    query = graphql_schema.query_type
    assert query is not None
    field = internals.strawberry_definition(query.fields["cartPromotions"])

    assert internals.strawberry_definition(query) is not None
    assert isinstance(field.base_resolver, StrawberryResolver)
    assert callable(field.base_resolver.wrapped_func)
    assert field.base_resolver.info_parameter is not None
    assert field.base_resolver.self_parameter is not None
    assert internals.default_resolver(schema) is getattr
    assert isinstance(schema.schema_converter.scalar_registry, dict)


def test_argument_conversion_builds_python_values() -> None:
    schema = build_schema()
    query = internals.graphql_schema(schema).query_type
    assert query is not None
    field = internals.strawberry_definition(query.fields["cartPromotions"])
    offers = internals.strawberry_definition(query.fields["personalizedOffers"])

    converted = internals.convert_arguments(
        schema, {"customerId": "c1", "status": [PromotionStatus.ACTIVE]}, field.arguments
    )
    built = internals.convert_arguments(
        schema,
        {"input": {"customerId": "c1", "requestContext": {"locale": "de-DE"}}},
        offers.arguments,
    )

    assert converted == {"customer_id": "c1", "status": [PromotionStatus.ACTIVE]}
    assert type(built["input"]).__name__ == "PersonalizedOffersInput"
    assert built["input"].customer_id == "c1"
    assert built["input"].request_context.locale == "de-DE"


def test_resolve_info_has_the_fields_the_runner_fills() -> None:
    assert internals.ResolveInfo._fields == (
        "field_name",
        "field_nodes",
        "return_type",
        "parent_type",
        "path",
        "schema",
        "fragments",
        "root_value",
        "operation",
        "variable_values",
        "context",
        "is_awaitable",
        "abort_signal",
        "async_helpers",
        "operation_extensions",
    )


def test_strawberry_enums_wrap_their_python_class() -> None:
    status = internals.graphql_schema(build_schema()).type_map["PromotionStatus"]

    assert isinstance(status, CustomGraphQLEnumType) and isinstance(status, GraphQLEnumType)
    assert status.wrapped_cls is PromotionStatus


def test_the_incremental_scheduler_takes_groups_as_deferral_builds_them() -> None:
    # gateway.execution.deferral builds these by position and reads these fields.
    def parameters(cls: object) -> list[str]:
        return list(inspect.signature(cls).parameters)  # type: ignore[arg-type]

    assert parameters(internals.DeliveryGroup) == ["path", "label", "parent"]
    assert parameters(internals.ExecutionGroup) == ["groups", "computation", "path"]
    assert parameters(internals.Computation) == ["fn", "on_abort"]
    assert internals.ExecutionGroupValue._fields == ("delivery_groups", "path", "data", "errors")
    assert internals.Work._fields == ("groups", "tasks", "streams")
    assert internals.WorkResult._fields == ("value", "work")
    assert parameters(internals.IncrementalPublisher().build_response) == [
        "data",
        "errors",
        "work",
        "context",
    ]
