"""Optional OpenTelemetry tracing: spans for the operation and its resolvers."""

from __future__ import annotations

import asyncpg
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.context import build_context
from gateway.operation.assembly import build_schema
from gateway.settings import Settings


async def test_an_operation_is_traced(settings: Settings, pool: asyncpg.Pool) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    schema = build_schema(settings, tracer_provider=provider)

    result = await schema.execute(
        'query Loyal { cartPromotions(customerId: "demo-loyal") { promotionId } }',
        context_value=build_context(pool, settings),
    )

    assert result.errors is None
    names = [span.name for span in exporter.get_finished_spans()]
    assert "GraphQL Query: Loyal" in names
    assert any("cartPromotions" in name for name in names)


def test_tracing_is_off_by_default(settings: Settings) -> None:
    from gateway.observability.tracing import tracing_extensions

    assert tracing_extensions(settings) == []
