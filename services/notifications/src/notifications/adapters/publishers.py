"""The topic the notifications service publishes to, declared so AsyncAPI documents it."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.notifications import EndpointEvent


def declare_publishers(broker: KafkaBroker) -> dict[str, Any]:
    return {
        topics.ENDPOINTS.name: broker.publisher(
            topics.ENDPOINTS.name,
            schema=EndpointEvent,
            title="notifications.endpoints:publish",
            description="Endpoints disabled (410, or only failures for days), keyed by endpoint id.",
        ),
    }
