"""Platform events in, webhook messages out: the only way industry, and a nation's desk
of its own needs set aside, hears of them.

Each topic has its own consumer group and inbox name, so one topic's backlog never holds
up another's. Valid events that are not for industry are acknowledged and left out;
events that cannot be read (an unknown type or version) fail validation and go to the
dead-letter topic.

Messages and their deliveries are stamped by the service's clock, the one the dispatcher
asks what is due: with two clocks a delivery could be created "later" than the
dispatcher's now and wait for nothing.
"""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.contracts import (
    AwardDecidedV1,
    CallOffPlacedV1,
    CommitmentRefusedV1,
    ContractCreatedV1,
    ContractEvent,
    DeliveryDelayedV1,
    DeliveryScheduleChangedV1,
    FrameworkContractCreatedV1,
    ReferenceEvent,
    SpecificationHarmonisedV1,
    SupplierRegisteredV1,
)
from bundling_shared.events.demand import BundleEvent, BundleOpenedV1, NeedUnplaceableV1
from bundling_shared.messaging.kafka import at_least_once
from notifications.service_layer import handlers, messages
from notifications.service_layer.dispatcher import Clock
from notifications.service_layer.handlers import UowFactory
from notifications.service_layer.messages import Links


def build_router(uow: UowFactory, links: Links, clock: Clock) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(router, topics.BUNDLES, group_id=handlers.BUNDLES_CONSUMER, title="demand.bundles:notifications")
    async def on_bundle_event(event: BundleEvent) -> None:
        """An opened bundle is an opportunity notice; a need the bundling engine set aside
        is a notice to its nation's desk; the other bundle events concern the nations and
        the contracts service, not industry."""
        if isinstance(event, BundleOpenedV1):
            await handlers.record_message(
                handlers.BUNDLES_CONSUMER, event, messages.bundle_opened(event, links), uow(), now=clock()
            )
        elif isinstance(event, NeedUnplaceableV1):
            await handlers.record_message(
                handlers.BUNDLES_CONSUMER, event, messages.need_unplaceable(event, links), uow(), now=clock()
            )
        else:
            await handlers.skip_event(handlers.BUNDLES_CONSUMER, event, uow())

    @at_least_once(router, topics.CONTRACTS, group_id=handlers.CONSUMER, title="contracts.contracts:notifications")
    async def on_contract_event(event: ContractEvent) -> None:
        """Contracts, awards and frameworks for every subscriber; call-offs and delivery
        news for the contracted supplier only; a committed bundle that could not be
        contracted for its lead nation's desk only. An accession is not told to industry: it
        names one nation's quantity, and the supplier hears of it through the call-offs
        that follow, with what it needs to deliver."""
        consumer = handlers.CONSUMER
        if isinstance(event, ContractCreatedV1):
            message = messages.contract_created(event, links)
        elif isinstance(event, AwardDecidedV1):
            message = messages.award_decided(event, links)
        elif isinstance(event, FrameworkContractCreatedV1):
            message = messages.framework_contract_created(event, links)
        elif isinstance(event, CallOffPlacedV1):
            message = messages.call_off_placed(event, links)
        elif isinstance(event, DeliveryScheduleChangedV1):
            message = messages.delivery_schedule_changed(event, links)
        elif isinstance(event, DeliveryDelayedV1):
            message = messages.delivery_delayed(event, links)
        elif isinstance(event, CommitmentRefusedV1) and (notice := messages.commitment_not_contracted(event, links)):
            message = notice
        else:  # accessions; a commitment an agency leads (it has no desk)
            await handlers.skip_event(consumer, event, uow())
            return
        await handlers.record_message(consumer, event, message, uow(), now=clock())

    @at_least_once(
        router, topics.REFERENCE, group_id=handlers.REFERENCE_CONSUMER, title="contracts.reference:notifications"
    )
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Harmonised specifications are published; supplier registrations feed the
        register of security declarations that gates restricted messages."""
        if isinstance(event, SpecificationHarmonisedV1):
            await handlers.record_message(
                handlers.REFERENCE_CONSUMER, event, messages.specification_harmonised(event, links), uow(), now=clock()
            )
        elif isinstance(event, SupplierRegisteredV1):
            await handlers.register_supplier(event, uow())

    return router
