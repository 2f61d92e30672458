"""The topics the contracts service publishes to, declared so AsyncAPI documents them."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.contracts import ContractEvent, ReferenceEvent


def declare_publishers(broker: KafkaBroker) -> dict[str, Any]:
    return {
        topics.CONTRACTS.name: broker.publisher(
            topics.CONTRACTS.name,
            schema=ContractEvent,
            title="contracts.contracts:publish",
            description=(
                "Contracts, awards, framework contracts, accessions, call-offs, delivery schedule changes and "
                "delays; keyed by contract, procurement or framework id."
            ),
        ),
        topics.REFERENCE.name: broker.publisher(
            topics.REFERENCE.name,
            schema=ReferenceEvent,
            title="contracts.reference:publish",
            description="Harmonised specifications (keyed by reference) and registered suppliers (keyed by id).",
        ),
    }
