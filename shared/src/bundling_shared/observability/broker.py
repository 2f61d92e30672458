"""FastStream's own middlewares that make a broker's messages observable: its Prometheus
middleware (received, processed, durations, published, in the service's registry) and,
when tracing is on, its OpenTelemetry middleware (a span per message, continuing the
trace of the producer whose `traceparent` the message carries)."""

from __future__ import annotations

from typing import Any

from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware

from bundling_shared.observability import tracing
from bundling_shared.observability.metrics import ServiceMetrics


def observed(service: str, metrics: ServiceMetrics | None) -> list[Any]:
    """Outermost first: the span covers the retries of its message, as do the timings."""
    middlewares: list[Any] = []
    if (provider := tracing.provider()) is not None:
        middlewares.append(KafkaTelemetryMiddleware(tracer_provider=provider, include_messages_counters=False))
    if metrics is not None and metrics.enabled:
        middlewares.append(KafkaPrometheusMiddleware(registry=metrics.registry, app_name=service))
    return middlewares
