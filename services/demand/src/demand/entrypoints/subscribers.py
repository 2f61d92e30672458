"""Subscribers: the aggregator (need events, updating only the bundles they touch) and
the watchers that mark needs contracted once their contract exists and adopt harmonised
specifications."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.contracts import (
    ContractCreatedV1,
    ContractEvent,
    FrameworkContractCreatedV1,
    ReferenceEvent,
    SpecificationHarmonisedV1,
)
from bundling_shared.events.demand import NeedEvent
from bundling_shared.messaging.kafka import at_least_once
from demand.service_layer import aggregator
from demand.service_layer.common import AGGREGATOR, UowFactory
from demand.service_layer.contracted import CONTRACT_WATCHER, mark_contracted
from demand.service_layer.specifications import SPECIFICATION_WATCHER, adopt_harmonised_specification


def build_router(uow: UowFactory) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.NEEDS, group_id=AGGREGATOR, title="demand.needs:aggregator")
    async def on_need_event(event: NeedEvent) -> None:
        """Places a registered, amended or withdrawn need among the bundles of its item."""
        await aggregator.aggregate(event, uow())

    @at_least_once(router, topics.CONTRACTS, group_id=CONTRACT_WATCHER, title="contracts.contracts:demand")
    async def on_contract_event(event: ContractEvent) -> None:
        """Marks the needs behind a bundle contracted once its contract exists."""
        if isinstance(event, ContractCreatedV1):
            await mark_contracted(event.event_id, event.payload.bundle_id, event.payload.contract_id, uow())
        elif isinstance(event, FrameworkContractCreatedV1) and event.payload.bundle_id is not None:
            await mark_contracted(event.event_id, event.payload.bundle_id, event.payload.framework_id, uow())

    @at_least_once(router, topics.REFERENCE, group_id=SPECIFICATION_WATCHER, title="contracts.reference:demand")
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Adopts a harmonised specification as its item's reference; suppliers are not ours."""
        if isinstance(event, SpecificationHarmonisedV1):
            payload = event.payload
            await adopt_harmonised_specification(event.event_id, payload.item_code, payload.reference, uow())

    return router
