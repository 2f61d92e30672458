"""The aggregator: consumes registered needs and keeps one bundle per item up to date."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.demand import NeedEvent, NeedRegisteredV1
from bundling_shared.messaging.kafka import at_least_once
from demand.service_layer import handlers
from demand.service_layer.handlers import UowFactory


def build_router(uow: UowFactory) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.NEEDS, group_id=handlers.AGGREGATOR, title="demand.needs:aggregator")
    async def on_need_event(event: NeedEvent) -> None:
        """Joins each registered need to the open bundle of its item."""
        if isinstance(event, NeedRegisteredV1):
            await handlers.aggregate_need(event, uow())

    return router
