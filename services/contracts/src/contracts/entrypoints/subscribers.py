"""Consumes the demand service's bundle events: joint orders become contracts, committed
frameworks framework contracts, accessions join them, harmonisation proposals start the
specification workflow, an opened bundle names the lead who decides how it is contracted.
Other bundle events are not ours."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.demand import (
    AccessionConfirmedV1,
    BundleEvent,
    BundleOpenedV1,
    FrameworkCommittedV1,
    HarmonisationProposedV1,
    JointOrderCommittedV1,
)
from bundling_shared.messaging.kafka import at_least_once
from contracts.service_layer import handlers
from contracts.service_layer.handlers import UowFactory


def build_router(uow: UowFactory) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.BUNDLES, group_id=handlers.JOINT_ORDERS, title="demand.bundles:contracts")
    async def on_bundle_event(event: BundleEvent) -> None:
        if isinstance(event, JointOrderCommittedV1):
            await handlers.create_contract_for_joint_order(event, uow())
        elif isinstance(event, FrameworkCommittedV1):
            await handlers.create_framework_for_commitment(event, uow())
        elif isinstance(event, AccessionConfirmedV1):
            await handlers.accede_to_framework(event, uow())
        elif isinstance(event, HarmonisationProposedV1):
            await handlers.propose_harmonisation(event, uow())
        elif isinstance(event, BundleOpenedV1):
            await handlers.note_lead(event, uow())

    return router
