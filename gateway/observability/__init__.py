"""Request ids, structured logs, Prometheus metrics and optional tracing.

- ``request_id``: ``X-Request-ID`` taken or made, echoed, and carried by every log line;
- ``logs``: JSON lines for machines, text for a person at a terminal;
- ``metrics``: requests, latency, errors, SQL, pool and evaluator figures at ``/metrics``;
- ``tracing``: OpenTelemetry spans over OTLP/HTTP when ``GATEWAY_OTEL_ENDPOINT`` is set;
- ``progress``: a long operation's progress (migrations, catalog loads, the bench's dataset):
  a bar on a terminal, log records elsewhere.
"""
