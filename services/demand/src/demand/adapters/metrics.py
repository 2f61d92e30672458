"""The demand service's own metrics: needs registered, bundles by status (counted when
`/metrics` is scraped) and the sizes of the aggregator's batches."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.observability.metrics import ServiceMetrics
from demand.adapters import orm
from demand.domain.bundle import BundleStatus

BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)


@dataclass(frozen=True)
class DemandMetrics:
    needs_registered: Counter
    aggregator_batch_size: Histogram


def demand_metrics(metrics: ServiceMetrics, engine: AsyncEngine) -> DemandMetrics:
    """Registers the families in the service's registry and the bundle probe."""
    service = metrics.service
    registered = metrics.counter("bundling_needs_registered", "Needs registered (submitted or as drafts).")
    batch = metrics.histogram(
        "bundling_aggregator_batch_size", "Need events the aggregator applied in one batch.", buckets=BATCH_BUCKETS
    )
    bundles = metrics.gauge("bundling_bundles", "Bundles, by status.", ["status"])

    async def bundles_by_status() -> None:
        b = orm.bundles
        async with engine.connect() as conn:
            rows = await conn.execute(select(b.c.status, func.count()).group_by(b.c.status))
            counted: dict[str, int] = {str(status): count for status, count in rows}
        for status in BundleStatus:
            bundles.labels(service, status.value).set(counted.get(status.value, 0))

    metrics.probe(bundles_by_status)
    return DemandMetrics(needs_registered=registered.labels(service), aggregator_batch_size=batch.labels(service))
