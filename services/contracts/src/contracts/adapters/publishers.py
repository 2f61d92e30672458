"""The topics the contracts service publishes to."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from bundling_shared import topics
from bundling_shared.events.contracts import ContractEvent, ReferenceEvent
from bundling_shared.messaging.kafka import Publication, declare_publishers


def publishers(broker: KafkaBroker) -> dict[str, Any]:
    return declare_publishers(
        broker,
        Publication(
            topics.CONTRACTS,
            ContractEvent,
            "Contracts, awards, framework contracts, accessions, call-offs, delivery schedule changes and "
            "delays; keyed by contract, procurement or framework id.",
        ),
        Publication(
            topics.REFERENCE,
            ReferenceEvent,
            "Harmonised specifications (keyed by reference) and registered suppliers (keyed by id).",
        ),
    )
