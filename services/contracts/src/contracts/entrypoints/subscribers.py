"""Consumes the demand service's bundle events: joint orders become contracts, committed
frameworks framework contracts, accessions join them, harmonisation proposals start the
specification workflow, an opened bundle names the lead who decides how it is contracted.
Other bundle events are not ours; what cannot be read goes to the dead-letter topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.messaging.kafka import at_least_once
from contracts.bootstrap import ContractsService
from contracts.service_layer import contracts, frameworks, specifications
from contracts.service_layer.unit_of_work import BUNDLE_EVENTS, UnitOfWork, UowFactory

Handler = Callable[[Any, UnitOfWork], Awaitable[object]]

HANDLERS: dict[type[EventEnvelope[Any]], Handler] = {
    JointOrderCommittedV1: contracts.create_contract_for_joint_order,
    FrameworkCommittedV1: frameworks.create_framework_for_commitment,
    AccessionConfirmedV1: frameworks.accede_to_framework,
    HarmonisationProposedV1: specifications.propose_harmonisation,
    BundleOpenedV1: contracts.note_lead,
}


def build_router(uow: UowFactory) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.BUNDLES, group_id=BUNDLE_EVENTS, title="demand.bundles:contracts")
    async def on_bundle_event(event: BundleEvent) -> None:
        handler = HANDLERS.get(type(event))
        if handler is not None:
            await handler(event, uow())

    return router


def subscribe(service: ContractsService) -> None:
    """The service consumes what it subscribes to on its own broker, in its own units of work."""
    service.broker.include_router(build_router(service.uow))
