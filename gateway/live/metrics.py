"""Prometheus metrics of subscriptions (this worker's)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OPEN = Gauge("gateway_subscriptions_open", "Subscriptions open on this worker.")
ROUNDS = Counter(
    "gateway_subscription_rounds_total",
    "Times a subscription ran its operation (its first answer, and each re-run on a wake-up).",
)
ANSWERS = Counter(
    "gateway_subscription_answers_total",
    "Answers of re-runs: sent (changed) or dropped (the same as the last one sent).",
    ["outcome"],
)
