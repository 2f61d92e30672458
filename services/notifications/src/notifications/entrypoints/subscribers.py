"""Platform events in, webhook messages out: the only way industry, and a nation's desk
of its own needs set aside or of pledges and funds, hears of them.

One subscriber per topic, each with its own consumer group and inbox name, so one topic's
backlog never holds up another's. What each event becomes is looked up in a table
(`messages.TRANSLATIONS`); supplier registrations feed the register of security
declarations instead. Events that cannot be read (an unknown type or version) fail
validation and go to the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.kafka import KafkaRouter

from bundling_shared import topics
from bundling_shared.events.contracts import ContractEvent, ReferenceEvent, SupplierRegisteredV1
from bundling_shared.events.demand import BundleEvent
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.messaging.kafka import at_least_once
from notifications.bootstrap import NotificationsService
from notifications.service_layer import messages, suppliers
from notifications.service_layer.messages import BUNDLES_CONSUMER, CONTRACTS_CONSUMER, REFERENCE_CONSUMER, Links
from notifications.service_layer.unit_of_work import UnitOfWork, UowFactory

Handler = Callable[[UnitOfWork, str, Any, Links], Awaitable[object]]


async def _register_supplier(uow: UnitOfWork, consumer: str, event: SupplierRegisteredV1, _: Links) -> None:
    await suppliers.register_supplier(uow, consumer=consumer, event=event)


async def _tell(uow: UnitOfWork, consumer: str, event: EventEnvelope[Any], links: Links) -> str | None:
    return await messages.consume(uow, consumer=consumer, event=event, links=links)


# Events that keep one of the service's own records rather than becoming a message;
# every other event goes to `messages.consume`.
RECORDS: dict[type[EventEnvelope[Any]], Handler] = {SupplierRegisteredV1: _register_supplier}


def build_router(uow: UowFactory, links: Links) -> KafkaRouter:
    router = KafkaRouter()

    async def handle(consumer: str, event: EventEnvelope[Any]) -> None:
        handler: Handler = RECORDS.get(type(event), _tell)
        await handler(uow(), consumer, event, links)

    @at_least_once(router, topics.BUNDLES, group_id=BUNDLES_CONSUMER, title="demand.bundles:notifications")
    async def on_bundle_event(event: BundleEvent) -> None:
        """An opened bundle is an opportunity notice; a need the bundling engine set aside
        is a notice to its nation's desk; a pledge is told to its contributor's desk and its
        lead's, never to industry; a fund opened or closed to industry and every nation's
        desk, without its money; the other bundle events concern the nations and the
        contracts service, not industry."""
        await handle(BUNDLES_CONSUMER, event)

    @at_least_once(router, topics.CONTRACTS, group_id=CONTRACTS_CONSUMER, title="contracts.contracts:notifications")
    async def on_contract_event(event: ContractEvent) -> None:
        """Contracts, awards and frameworks for every subscriber; call-offs and delivery
        news for the contracted supplier only; a committed bundle that could not be
        contracted for its lead nation's desk only. An accession is not told to industry: it
        names one nation's quantity, and the supplier hears of it through the call-offs
        that follow, with what it needs to deliver."""
        await handle(CONTRACTS_CONSUMER, event)

    @at_least_once(router, topics.REFERENCE, group_id=REFERENCE_CONSUMER, title="contracts.reference:notifications")
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Harmonised specifications are published; supplier registrations feed the
        register of security declarations that gates restricted messages."""
        await handle(REFERENCE_CONSUMER, event)

    return router


def subscribe(service: NotificationsService) -> None:
    """The service consumes on its own broker, in its own units of work, with its links."""
    service.broker.include_router(build_router(service.uow, service.settings.links))
