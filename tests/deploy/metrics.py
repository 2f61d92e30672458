"""The metric names dashboards and alerts may use, with their labels: the platform's own
(the contract its services export), FastStream's Prometheus middleware's, the Python
client's process and runtime collectors', and Prometheus's own per target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]

# Added by Prometheus to every series it scrapes (and by the Kubernetes job's relabelling).
TARGET_LABELS = frozenset({"job", "instance", "pod", "namespace"})


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    labels: frozenset[str]

    def series(self) -> dict[str, frozenset[str]]:
        """The names the metric is exposed under, each with the labels its series carry."""
        labels = self.labels | TARGET_LABELS
        if self.kind == "counter":
            return {self.name: labels, self.name.removesuffix("_total") + "_created": labels}
        if self.kind == "histogram":
            return {
                self.name + "_bucket": labels | {"le"},
                self.name + "_sum": labels,
                self.name + "_count": labels,
                self.name + "_created": labels,
            }
        return {self.name: labels}


def _metric(name: str, kind: Kind, *labels: str) -> Metric:
    return Metric(name, kind, frozenset(labels))


PLATFORM = (
    _metric("http_requests_total", "counter", "service", "method", "route", "status"),
    _metric("http_request_duration_seconds", "histogram", "service", "method", "route"),
    _metric("bundling_needs_registered_total", "counter", "service"),
    _metric("bundling_bundles", "gauge", "service", "status"),
    _metric("bundling_outbox_pending", "gauge", "service"),
    _metric("bundling_outbox_oldest_pending_age_seconds", "gauge", "service"),
    _metric("bundling_consumer_lag", "gauge", "service", "group", "topic"),
    _metric("bundling_dead_letters_total", "counter", "service", "topic"),
    _metric("bundling_webhook_deliveries_total", "counter", "service", "outcome"),
    _metric("bundling_webhook_endpoints", "gauge", "service", "health"),
    _metric("bundling_aggregator_batch_size", "histogram", "service"),
)

_RECEIVED = ("app_name", "broker", "handler")
_PUBLISHED = ("app_name", "broker", "destination")
FASTSTREAM = (
    _metric("faststream_received_messages_total", "counter", *_RECEIVED),
    _metric("faststream_received_messages_size_bytes", "histogram", *_RECEIVED),
    _metric("faststream_received_messages_in_process", "gauge", *_RECEIVED),
    _metric("faststream_received_processed_messages_total", "counter", *_RECEIVED, "status"),
    _metric("faststream_received_processed_messages_duration_seconds", "histogram", *_RECEIVED),
    _metric("faststream_received_processed_messages_exceptions_total", "counter", *_RECEIVED, "exception_type"),
    _metric("faststream_published_messages_total", "counter", *_PUBLISHED, "status"),
    _metric("faststream_published_messages_duration_seconds", "histogram", *_PUBLISHED),
    _metric("faststream_published_messages_exceptions_total", "counter", *_PUBLISHED, "exception_type"),
)

PYTHON_CLIENT = (
    _metric("process_cpu_seconds_total", "counter"),
    _metric("process_resident_memory_bytes", "gauge"),
    _metric("process_virtual_memory_bytes", "gauge"),
    _metric("process_start_time_seconds", "gauge"),
    _metric("process_open_fds", "gauge"),
    _metric("process_max_fds", "gauge"),
    _metric("python_gc_objects_collected_total", "counter", "generation"),
    _metric("python_gc_objects_uncollectable_total", "counter", "generation"),
    _metric("python_gc_collections_total", "counter", "generation"),
    _metric("python_info", "gauge", "implementation", "major", "minor", "patchlevel", "version"),
)

PROMETHEUS = (
    _metric("up", "gauge"),
    _metric("scrape_duration_seconds", "gauge"),
    _metric("scrape_samples_scraped", "gauge"),
)

KNOWN: dict[str, frozenset[str]] = {
    name: labels
    for metric in (*PLATFORM, *FASTSTREAM, *PYTHON_CLIENT, *PROMETHEUS)
    for name, labels in metric.series().items()
}
