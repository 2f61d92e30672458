"""The Prometheus metrics of one service: its own registry, the families every service
shares, and the probes that compute the gauges a query answers.

Each service keeps its own `CollectorRegistry`, never the process-wide default: the
tests run several services in one process, and a family registered twice in one
registry is an error. Every family carries a `service` label, and no label ever holds
an id, so the number of series stays bounded however much the platform holds.

Gauges that cost a query (rows pending in the outbox, bundles per status, consumer lag)
are computed by probes when `/metrics` is scraped, at most once per `refresh_seconds`:
a burst of scrapes (several Prometheus replicas) costs one round of queries, and a
request costs nothing.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from bundling_shared.logging import get_logger

log = get_logger(__name__)

# A `_created` series beside every counter and histogram doubles what is scraped and
# stored, and no rate or alert reads it; the switch is the library's, for the process.
disable_created_metrics()  # type: ignore[no-untyped-call]

Probe = Callable[[], Awaitable[None]]

PROBE_TIMEOUT_SECONDS = 5.0
CONTENT_TYPE = CONTENT_TYPE_LATEST

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """What `/metrics` of one service shows. Families particular to a service are added
    by its own code with `counter`, `gauge` and `histogram`, into the same registry."""

    def __init__(self, service: str, *, enabled: bool = True, refresh_seconds: float = 5.0) -> None:
        """`enabled` false: nothing counts messages or requests into it, and no route shows it."""
        self.service = service
        self.enabled = enabled
        self.registry = CollectorRegistry()
        # The process's memory, processor time, open files and collections, as the
        # client's default registry would show them.
        ProcessCollector(registry=self.registry)
        self.registry.register(PLATFORM_COLLECTOR)
        self.registry.register(GC_COLLECTOR)
        self._refresh_seconds = refresh_seconds
        self._refreshed_at: float | None = None
        self._probes: list[Probe] = []
        self.http_requests = self.counter(
            "http_requests", "HTTP requests answered, by route template and status.", ["method", "route", "status"]
        )
        self.http_duration = self.histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
        )
        self.outbox_pending = self.gauge("bundling_outbox_pending", "Outbox rows not yet published.").labels(service)
        self.outbox_oldest_age = self.gauge(
            "bundling_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not yet published; 0 when none is pending.",
        ).labels(service)
        self.consumer_lag = self.gauge(
            "bundling_consumer_lag",
            "Messages a consumer group has yet to read, summed over the topic's partitions.",
            ["group", "topic"],
        )
        self.dead_letters = self.counter(
            "bundling_dead_letters", "Messages moved to a dead-letter topic, by the topic they came from.", ["topic"]
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return Counter(name, documentation, ["service", *labels], registry=self.registry)

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        return Gauge(name, documentation, ["service", *labels], registry=self.registry)

    def histogram(
        self, name: str, documentation: str, labels: Sequence[str] = (), *, buckets: Sequence[float]
    ) -> Histogram:
        return Histogram(name, documentation, ["service", *labels], registry=self.registry, buckets=buckets)

    def probe(self, probe: Probe) -> None:
        """Run `probe` before each exposition (within the refresh interval, at most once)."""
        self._probes.append(probe)

    async def refresh(self) -> None:
        """Runs the probes, side by side and each within `PROBE_TIMEOUT_SECONDS`; a probe
        that fails leaves its gauges as they were and is logged, the others still run. A
        scrape while a refresh is under way shows the values as they stand."""
        now = time.monotonic()
        if self._refreshed_at is not None and now - self._refreshed_at < self._refresh_seconds:
            return
        self._refreshed_at = now
        results = await asyncio.gather(
            *(asyncio.wait_for(p(), PROBE_TIMEOUT_SECONDS) for p in self._probes), return_exceptions=True
        )
        for probe, result in zip(self._probes, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("metrics.probe_failed", probe=getattr(probe, "__name__", "?"), error=repr(result))

    async def exposition(self) -> bytes:
        await self.refresh()
        return generate_latest(self.registry)


_of_broker: weakref.WeakKeyDictionary[Any, ServiceMetrics] = weakref.WeakKeyDictionary()


def attach(broker: Any, metrics: ServiceMetrics) -> None:
    """The broker's metrics, for code that holds only the broker (a dead-letter publish)."""
    _of_broker[broker] = metrics


def of_broker(broker: Any) -> ServiceMetrics | None:
    try:
        return _of_broker.get(broker)
    except TypeError:  # not weakly referenceable: no metrics attached
        return None


def dead_lettered(broker: Any, topic: str) -> None:
    metrics = of_broker(broker)
    if metrics is not None:
        metrics.dead_letters.labels(metrics.service, topic).inc()
