"""The topics the demand service publishes to, declared so AsyncAPI documents them and
sends through them."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.demand import BundleEvent, NeedEvent


def declare_publishers(broker: KafkaBroker) -> dict[str, Any]:
    return {
        topics.NEEDS.name: broker.publisher(
            topics.NEEDS.name,
            schema=NeedEvent,
            title="demand.needs:publish",
            description="Needs registered by national procurement desks, keyed by need id.",
        ),
        topics.BUNDLES.name: broker.publisher(
            topics.BUNDLES.name,
            schema=BundleEvent,
            title="demand.bundles:publish",
            description="Bundle changes and committed joint orders, keyed by bundle id.",
        ),
    }
