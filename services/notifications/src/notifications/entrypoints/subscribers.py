"""Contract events in, webhook messages out: the only way industry hears of contracts."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.contracts import ContractCreatedV1, ContractEvent
from bundling_shared.messaging.kafka import at_least_once
from notifications.service_layer import handlers
from notifications.service_layer.handlers import UowFactory


def build_router(uow: UowFactory, link_template: str) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.CONTRACTS, group_id=handlers.CONSUMER, title="contracts.contracts:notifications")
    async def on_contract_event(event: ContractEvent) -> None:
        """Turns each new contract into a message for the endpoints that subscribed to it."""
        if isinstance(event, ContractCreatedV1):
            await handlers.record_contract_created(event, uow(), link_template)

    return router
