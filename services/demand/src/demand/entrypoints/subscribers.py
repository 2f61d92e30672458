"""Subscribers: the aggregator (need events, updating only the bundles they touch) and
the watchers that mark needs contracted once their contract exists and adopt harmonised
specifications.

The aggregator takes need events in batches. Each record is read on its own: one that
cannot be read goes to the dead-letter topic alone; the rest of the batch is applied, and
a need the aggregator cannot place is set aside as unplaceable, with its reason, on the
need itself. Offsets are committed once the whole batch
is settled; if settling fails (the dead-letter topic unreachable, say), the batch is
delivered again and the events already applied are recognised by their ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from pydantic import PlainValidator, TypeAdapter, ValidationError

from bundling_shared import topics
from bundling_shared.events.contracts import (
    CommitmentRefusedV1,
    ContractCreatedV1,
    ContractEvent,
    FrameworkAccededV1,
    FrameworkAccessionRefusedV1,
    FrameworkContractCreatedV1,
    ReferenceEvent,
    SpecificationHarmonisedV1,
)
from bundling_shared.events.demand import NeedEvent
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.messaging.dead_letter import RetryPolicy, batch_records, publish_dead_letter, record_headers
from bundling_shared.messaging.kafka import at_least_once
from demand.bootstrap import SERVICE, DemandService
from demand.service_layer import aggregator
from demand.service_layer.aggregator import AGGREGATOR
from demand.service_layer.contracted import (
    CONTRACT_WATCHER,
    accession_decided,
    commitment_not_contracted,
    mark_contracted,
)
from demand.service_layer.specifications import SPECIFICATION_WATCHER, adopt_harmonised_specification
from demand.service_layer.unit_of_work import UnitOfWork, UowFactory

# Up to 2,000 need events share a transaction and an offset commit: what a batch costs
# beyond its events (the candidate bundles and catalogue items read, the commit, the
# offsets) is then spread over many. A poll returns at once with the records already
# fetched, so a quiet topic's events wait no longer; an idle poll waits 0.1 s.
BATCH_RECORDS = 2000
BATCH_TIMEOUT_MS = 100
# A batch costs about as much beyond its events whether it holds one need or a hundred:
# under a steady trickle of needs the broker holds its answer to a fetch for up to 20 ms
# until a few dozen events (16 kB) have come, so that they go into one batch.
FETCH_MIN_BYTES = 16_384
FETCH_MAX_WAIT_MS = 20

NEED_EVENT: TypeAdapter[aggregator.NeedChange] = TypeAdapter(NeedEvent)

# The batch body is the records' undecoded values (`record_values`), read one by one in the
# handler so that a bad one does not fail its batch; the schema documents each message.
NeedEventRecords = Annotated[list[Any], PlainValidator(lambda body: body, json_schema_input_type=NeedEvent)]


async def record_values(message: StreamMessage[Any]) -> list[bytes]:
    """The batch's values as they arrived, left undecoded: the handler reads each record
    itself, so that one it cannot read fails alone."""
    return [record.value or b"" for record in batch_records(message)]


Handler = Callable[[UnitOfWork, Any], Awaitable[object]]


async def _contract_created(uow: UnitOfWork, event: ContractCreatedV1) -> None:
    p = event.payload
    await mark_contracted(uow, event_id=event.event_id, bundle_id=p.bundle_id, contract_id=p.contract_id)


async def _framework_created(uow: UnitOfWork, event: FrameworkContractCreatedV1) -> None:
    p = event.payload
    if p.bundle_id is not None:
        await mark_contracted(uow, event_id=event.event_id, bundle_id=p.bundle_id, contract_id=p.framework_id)


async def _acceded(uow: UnitOfWork, event: FrameworkAccededV1) -> None:
    p = event.payload
    if p.bundle_id is not None:
        await accession_decided(uow, event_id=event.event_id, bundle_id=p.bundle_id, nation=p.nation, took_effect=True)


async def _accession_refused(uow: UnitOfWork, event: FrameworkAccessionRefusedV1) -> None:
    p = event.payload
    if p.bundle_id is not None:
        await accession_decided(
            uow,
            event_id=event.event_id,
            bundle_id=p.bundle_id,
            nation=p.nation,
            took_effect=False,
            reason=p.reason,
            refused_by_rule=p.refused_by == "contracts",
        )


async def _commitment_refused(uow: UnitOfWork, event: CommitmentRefusedV1) -> None:
    p = event.payload
    await commitment_not_contracted(uow, event_id=event.event_id, bundle_id=p.bundle_id, reason=p.reason)


async def _specification_harmonised(uow: UnitOfWork, event: SpecificationHarmonisedV1) -> None:
    p = event.payload
    await adopt_harmonised_specification(uow, event_id=event.event_id, item_code=p.item_code, reference=p.reference)


# What each event of the contracts service changes here; the other events (a call-off, a
# delivery, a supplier registered) are not the demand service's business.
ON_CONTRACT_EVENT: dict[type[EventEnvelope[Any]], Handler] = {
    ContractCreatedV1: _contract_created,
    FrameworkContractCreatedV1: _framework_created,
    FrameworkAccededV1: _acceded,
    FrameworkAccessionRefusedV1: _accession_refused,
    CommitmentRefusedV1: _commitment_refused,
}
ON_REFERENCE_EVENT: dict[type[EventEnvelope[Any]], Handler] = {SpecificationHarmonisedV1: _specification_harmonised}


def subscribe(service: DemandService) -> None:
    """The service's subscribers on its broker, added by what starts it: the app, the
    AsyncAPI document, a test or a benchmark on the real broker."""
    service.broker.include_router(build_router(service.uow, RetryPolicy.of(service.settings.kafka, SERVICE)))


def build_router(uow: UowFactory, policy: RetryPolicy) -> KafkaRouter:
    router = KafkaRouter()

    @at_least_once(
        router,
        topics.NEEDS,
        group_id=AGGREGATOR,
        title="demand.needs:aggregator",
        batch=True,
        max_records=BATCH_RECORDS,
        batch_timeout_ms=BATCH_TIMEOUT_MS,
        fetch_min_bytes=FETCH_MIN_BYTES,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        decoder=record_values,
    )
    async def on_need_event(body: NeedEventRecords, message: KafkaMessage, broker: KafkaBroker) -> None:
        """Places registered, amended or withdrawn needs among the bundles of their item."""
        events: list[aggregator.NeedChange] = []
        for record, value in zip(batch_records(message), body, strict=True):
            try:
                events.append(NEED_EVENT.validate_json(value))
            except ValidationError as exc:
                await publish_dead_letter(broker, record, value, policy.service, exc, 1, record_headers(record))
        # A need it cannot place is set aside on the need itself; nothing read goes to dead letters.
        await aggregator.aggregate_batch(events, uow(), policy)

    @at_least_once(router, topics.CONTRACTS, group_id=CONTRACT_WATCHER, title="contracts.contracts:demand")
    async def on_contract_event(event: ContractEvent) -> None:
        """Marks the needs behind a bundle contracted once its contract exists, shows on the
        bundle why it could not be contracted, and a requested accession in or out once the
        framework's lead (or a rule of the framework) decided."""
        if (handler := ON_CONTRACT_EVENT.get(type(event))) is not None:
            await handler(uow(), event)

    @at_least_once(router, topics.REFERENCE, group_id=SPECIFICATION_WATCHER, title="contracts.reference:demand")
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Adopts a harmonised specification as its item's reference; suppliers are not ours."""
        if (handler := ON_REFERENCE_EVENT.get(type(event))) is not None:
            await handler(uow(), event)

    return router
