"""Consumes the demand service's bundle events; a committed joint order becomes a contract."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.demand import BundleEvent, JointOrderCommittedV1
from bundling_shared.messaging.kafka import at_least_once
from contracts.service_layer import handlers
from contracts.service_layer.handlers import UowFactory


def build_router(uow: UowFactory) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.BUNDLES, group_id=handlers.JOINT_ORDERS, title="demand.bundles:contracts")
    async def on_bundle_event(event: BundleEvent) -> None:
        """Creates one contract per committed joint order; other bundle changes are not ours."""
        if isinstance(event, JointOrderCommittedV1):
            await handlers.create_contract_for_joint_order(event, uow())

    return router
