"""The topics the demand service publishes to."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.demand import BundleEvent, NeedEvent
from bundling_shared.messaging.kafka import Publication, declare_publishers


def publishers(broker: KafkaBroker) -> dict[str, Any]:
    return declare_publishers(
        broker,
        Publication(topics.NEEDS, NeedEvent, "Needs registered by national procurement desks, keyed by need id."),
        Publication(topics.BUNDLES, BundleEvent, "Bundle changes and committed joint orders, keyed by bundle id."),
    )
