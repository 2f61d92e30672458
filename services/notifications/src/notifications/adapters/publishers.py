"""The topic the notifications service publishes to."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.notifications import EndpointEvent
from bundling_shared.messaging.kafka import Publication, declare_publishers

DISABLED = "Endpoints disabled (410, or only failures for days), keyed by endpoint id."


def publishers(broker: KafkaBroker) -> dict[str, Any]:
    return declare_publishers(broker, Publication(topics.ENDPOINTS, EndpointEvent, DISABLED))
