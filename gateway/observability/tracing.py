"""Optional OpenTelemetry tracing: spans per operation and resolver, exported over OTLP/HTTP.

Off unless GATEWAY_OTEL_ENDPOINT is set; needs the `otel` extra (`uv sync --extra otel`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.settings import Settings, SettingsError


def tracing_extensions(
    settings: Settings, tracer_provider: Any | None = None
) -> list[Callable[[], SchemaExtension]]:
    """strawberry's OpenTelemetry extension when tracing is on, else nothing.

    ``tracer_provider`` overrides the OTLP exporter (tests pass an in-memory one).

    Example::

        tracing_extensions(load_settings(otel_endpoint="http://127.0.0.1:4318/v1/traces"))
    """
    if tracer_provider is None and not settings.otel_endpoint:
        return []
    try:
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError:
        raise SettingsError(
            "Setting 'GATEWAY_OTEL_ENDPOINT' needs OpenTelemetry: `uv sync --extra otel`"
        ) from None
    provider = tracer_provider or _otlp_provider(str(settings.otel_endpoint))
    return [lambda: OpenTelemetryExtension(tracer_provider=provider)]


@functools.cache
def _otlp_provider(endpoint: str) -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "offers-gateway"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider
