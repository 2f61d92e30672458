"""The notifications service's own metrics: webhook attempts by outcome, and its
endpoints by health, counted when `/metrics` is scraped."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.observability.metrics import ServiceMetrics
from notifications.adapters import orm
from notifications.domain.endpoint import EndpointStatus

OUTCOMES = ("delivered", "failed", "gave_up")
HEALTH = ("healthy", "failing", "disabled")


def webhook_metrics(metrics: ServiceMetrics, engine: AsyncEngine) -> Callable[[str], None]:
    """Registers the families and the endpoint probe; returns what counts an attempt's outcome."""
    deliveries = metrics.counter("bundling_webhook_deliveries", "Webhook attempts recorded, by outcome.", ["outcome"])
    for outcome in OUTCOMES:
        deliveries.labels(metrics.service, outcome)
    endpoints = metrics.gauge(
        "bundling_webhook_endpoints",
        "Webhook endpoints: healthy, failing (attempts failing since a while), or disabled.",
        ["health"],
    )

    async def endpoint_health() -> None:
        e = orm.endpoints
        failing = e.c.failing_since.is_not(None)
        query = select(e.c.status, failing, func.count()).group_by(e.c.status, failing)
        counts = dict.fromkeys(HEALTH, 0)
        async with engine.connect() as conn:
            for status, is_failing, count in await conn.execute(query):
                if status == EndpointStatus.DISABLED:
                    counts["disabled"] += count
                else:
                    counts["failing" if is_failing else "healthy"] += count
        for health, count in counts.items():
            endpoints.labels(metrics.service, health).set(count)

    metrics.probe(endpoint_health)

    def tally(outcome: str) -> None:
        deliveries.labels(metrics.service, outcome).inc()

    return tally
