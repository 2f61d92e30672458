"""The topic the contracts service publishes to, declared so AsyncAPI documents it."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.contracts import ContractEvent


def declare_publishers(broker: KafkaBroker) -> dict[str, Any]:
    return {
        topics.CONTRACTS.name: broker.publisher(
            topics.CONTRACTS.name,
            schema=ContractEvent,
            title="contracts.contracts:publish",
            description="Contracts created from committed joint orders, keyed by contract id.",
        ),
    }
