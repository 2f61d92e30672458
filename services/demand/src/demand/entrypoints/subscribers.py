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
from bundling_shared.messaging.dead_letter import RetryPolicy, batch_records, publish_dead_letter, record_headers
from bundling_shared.messaging.kafka import at_least_once
from demand.service_layer import aggregator
from demand.service_layer.common import AGGREGATOR, UowFactory
from demand.service_layer.contracted import (
    CONTRACT_WATCHER,
    accession_decided,
    commitment_not_contracted,
    mark_contracted,
)
from demand.service_layer.specifications import SPECIFICATION_WATCHER, adopt_harmonised_specification

# Up to 2,000 need events share a transaction and an offset commit: what a batch costs
# beyond its events (the candidate bundles and catalogue items read, the commit, the
# offsets) is then spread over many. A poll returns at once with the records already
# fetched, so a quiet topic's events wait no longer; an idle poll waits 0.1 s.
BATCH_RECORDS = 2000
BATCH_TIMEOUT_MS = 100

NEED_EVENT: TypeAdapter[aggregator.NeedChange] = TypeAdapter(NeedEvent)

# The batch body is the records' undecoded values (`record_values`), read one by one in the
# handler so that a bad one does not fail its batch; the schema documents each message.
NeedEventRecords = Annotated[list[Any], PlainValidator(lambda body: body, json_schema_input_type=NeedEvent)]


async def record_values(message: StreamMessage[Any]) -> list[bytes]:
    """The batch's values as they arrived, left undecoded: the handler reads each record
    itself, so that one it cannot read fails alone."""
    return [record.value or b"" for record in batch_records(message)]


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
        if isinstance(event, ContractCreatedV1):
            await mark_contracted(event.event_id, event.payload.bundle_id, event.payload.contract_id, uow())
        elif isinstance(event, FrameworkContractCreatedV1) and event.payload.bundle_id is not None:
            await mark_contracted(event.event_id, event.payload.bundle_id, event.payload.framework_id, uow())
        elif isinstance(event, FrameworkAccededV1) and event.payload.bundle_id is not None:
            await accession_decided(event.event_id, event.payload.bundle_id, event.payload.nation, True, uow())
        elif isinstance(event, FrameworkAccessionRefusedV1) and event.payload.bundle_id is not None:
            p = event.payload
            by_rule = p.refused_by == "contracts"
            await accession_decided(event.event_id, p.bundle_id or "", p.nation, False, uow(), p.reason, by_rule)
        elif isinstance(event, CommitmentRefusedV1):
            await commitment_not_contracted(event.event_id, event.payload.bundle_id, event.payload.reason, uow())

    @at_least_once(router, topics.REFERENCE, group_id=SPECIFICATION_WATCHER, title="contracts.reference:demand")
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Adopts a harmonised specification as its item's reference; suppliers are not ours."""
        if isinstance(event, SpecificationHarmonisedV1):
            payload = event.payload
            await adopt_harmonised_specification(event.event_id, payload.item_code, payload.reference, uow())

    return router
