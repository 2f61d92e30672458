"""Subscribers: the aggregator (need events, updating only the bundles they touch) and
the watchers that mark needs contracted once their contract exists and adopt harmonised
specifications.

The aggregator takes need events in batches. Each record is read on its own: one that
cannot be read goes to the dead-letter topic alone; the rest of the batch is applied, and
a need the aggregator cannot place is set aside as unplaceable, with its reason, on the
need itself. Offsets are committed once the whole batch
is settled; if settling fails (the dead-letter topic unreachable, say), the batch is
delivered again and the events already applied are recognised by their ids.

While one batch's transaction runs on the database server, the aggregator reads the next
batch from the consumer (`_chained`) and, on PostgreSQL, begins it and places its needs
from the bundles as the batch before left them: the server and the interpreter work at
the same time, where each used to wait for the other. A batch writes only once the one
before it has committed, and its offsets are committed only after its own commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from pydantic import PlainValidator, TypeAdapter, ValidationError

from bundling_shared import topics
from bundling_shared.db import is_sqlite
from bundling_shared.events.contracts import (
    CommitmentRefusedV1,
    ContractCreatedV1,
    ContractEvent,
    ContractExpiringV1,
    ContractSignedV1,
    FrameworkAccededV1,
    FrameworkAccessionRefusedV1,
    FrameworkContractCreatedV1,
    ProductionLineDeclaredV1,
    ReferenceEvent,
    SpecificationHarmonisedV1,
)
from bundling_shared.events.demand import NeedEvent
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.logging import get_logger
from bundling_shared.messaging.dead_letter import RetryPolicy, batch_records, publish_dead_letter, record_headers
from bundling_shared.messaging.kafka import at_least_once
from bundling_shared.observability import tracing
from demand.bootstrap import SERVICE, DemandService
from demand.domain.capacity import DeclaredLine
from demand.domain.follow_on import FollowOn
from demand.domain.need import YearQuantity
from demand.service_layer import aggregator
from demand.service_layer.aggregator import AGGREGATOR, Before, Relay
from demand.service_layer.capacity import line_declared
from demand.service_layer.contracted import (
    CONTRACT_WATCHER,
    accession_decided,
    commitment_not_contracted,
    mark_contracted,
    signed_with_supplier,
)
from demand.service_layer.follow_on import agreement_expiring
from demand.service_layer.specifications import SPECIFICATION_WATCHER, adopt_harmonised_specification
from demand.service_layer.unit_of_work import UnitOfWork, UowFactory

# Up to 2,000 need events share a transaction and an offset commit: what a batch costs
# beyond its events (the candidate bundles and catalogue items read, the commit, the
# offsets) is then spread over many. A poll returns at once with the records already
# fetched, so a quiet topic's events wait no longer; an idle poll waits 0.1 s.
BATCH_RECORDS = 2000
BATCH_TIMEOUT_MS = 100
# A batch costs about as much beyond its events whether it holds one need or a hundred:
# under a steady trickle of needs the broker holds its answer to a fetch for up to 100 ms
# until a few dozen events (16 kB) have come, so that they go into one batch. The
# aggregator shares its process with the API: at 20 ms, desks registering a few hundred
# needs a second made batches of a handful, and their transactions, commits and fetches
# took a fifth more CPU per need than at 100 ms. A need waits at most 0.1 s for its batch.
FETCH_MIN_BYTES = 16_384
FETCH_MAX_WAIT_MS = 100
# One call of the handler takes up to this many batches in a row, each read while the one
# before is applied; then it returns and FastStream's own loop polls again.
CHAINED_BATCHES = 32

log = get_logger(__name__)

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


async def _contract_signed(uow: UnitOfWork, event: ContractSignedV1) -> None:
    p = event.payload
    await signed_with_supplier(
        uow,
        event_id=event.event_id,
        bundle_id=p.bundle_id,
        organisation=p.supplier_organisation,
        sme=p.supplier_sme,
        unit_price_eur=p.unit_price_eur,
    )


async def _specification_harmonised(uow: UnitOfWork, event: SpecificationHarmonisedV1) -> None:
    p = event.payload
    told = [r.model_dump() for r in p.material_risks] if "material_risks" in p.model_fields_set else None
    await adopt_harmonised_specification(
        uow, event_id=event.event_id, item_code=p.item_code, reference=p.reference, material_risks=told
    )


async def _line_declared(uow: UnitOfWork, event: ProductionLineDeclaredV1) -> None:
    p = event.payload
    line = DeclaredLine(
        line_id=p.line_id,
        organisation=p.organisation,
        item_code=p.item_code,
        site=p.site,
        country=p.country,
        earliest_start=p.earliest_start,
        minimum_economic_quantity=p.minimum_economic_quantity,
        capacity_by_year=[YearQuantity(y.year, y.quantity) for y in p.capacity_by_year],
        inputs=list(p.inputs),
        material_risks=[r.model_dump() for r in p.material_risks],
        revision=p.revision,
    )
    await line_declared(uow, event_id=event.event_id, line=line)


async def _expiring(uow: UnitOfWork, event: ContractExpiringV1) -> None:
    p = event.payload
    follows = FollowOn(
        agreement_kind=p.kind,
        agreement_id=p.agreement_id,
        item_code=p.item_code,
        contracting_authority=p.contracting_authority,
        starts_on=p.start,
        ends_on=p.end,
        expected={share.nation: share.quantity for share in p.quantities},
        horizon_years=p.horizon_years,
        bundle_id=p.bundle_id,
    )
    await agreement_expiring(uow, event_id=event.event_id, follows=follows)


# What each event of the contracts service changes here; the other events (a call-off, a
# delivery, a supplier registered) are not the demand service's business.
ON_CONTRACT_EVENT: dict[type[EventEnvelope[Any]], Handler] = {
    ContractCreatedV1: _contract_created,
    ContractSignedV1: _contract_signed,
    FrameworkContractCreatedV1: _framework_created,
    FrameworkAccededV1: _acceded,
    FrameworkAccessionRefusedV1: _accession_refused,
    CommitmentRefusedV1: _commitment_refused,
    ContractExpiringV1: _expiring,
}
ON_REFERENCE_EVENT: dict[type[EventEnvelope[Any]], Handler] = {
    SpecificationHarmonisedV1: _specification_harmonised,
    ProductionLineDeclaredV1: _line_declared,
}


def subscribe(service: DemandService) -> None:
    """The service's subscribers on its broker, added by what starts it: the app, the
    AsyncAPI document, a test or a benchmark on the real broker."""
    policy = RetryPolicy.of(service.settings.kafka, SERVICE)
    overlapping = not is_sqlite(service.settings.database_url)
    batch_size = service.counts.aggregator_batch_size.observe
    service.broker.include_router(build_router(service.uow, policy, overlapping, batch_size))


def build_router(
    uow: UowFactory, policy: RetryPolicy, overlapping: bool = False, batch_size: Callable[[int], None] = lambda _: None
) -> KafkaRouter:
    """`overlapping`: a batch may record its events, read its needs and place them while
    the batch before is still being written, in a transaction of its own; only where a
    transaction sees what others commit while it runs (PostgreSQL), not where it reads one
    snapshot to its end (SQLite). `batch_size` hears the size of each batch read."""
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

        async def read(records: Sequence[Any], values: Sequence[bytes]) -> list[aggregator.NeedChange]:
            batch_size(len(records))
            events: list[aggregator.NeedChange] = []
            for record, value in zip(records, values, strict=True):
                if tracing.enabled():
                    headers = record_headers(record)
                    tracing.remember(headers.get("event-id"), headers)
                try:
                    events.append(NEED_EVENT.validate_json(value))
                except ValidationError as exc:
                    await publish_dead_letter(broker, record, value, policy.service, exc, 1, record_headers(record))
            return events

        async def apply(events: list[aggregator.NeedChange], before: Before | None, relay: Relay) -> None:
            # A need it cannot place is set aside on the need itself; nothing read goes to dead letters.
            await aggregator.aggregate_batch(events, uow(), policy, before, relay)

        consumer = message.consumer if isinstance(message.consumer, AIOKafkaConsumer) else None
        with tracing.carrying():
            await _chained(consumer, batch_records(message), body, read, apply, overlapping)

    @at_least_once(router, topics.CONTRACTS, group_id=CONTRACT_WATCHER, title="contracts.contracts:demand")
    async def on_contract_event(event: ContractEvent) -> None:
        """Marks the needs behind a bundle contracted once its contract exists, shows on the
        bundle why it could not be contracted, and a requested accession in or out once the
        framework's lead (or a rule of the framework) decided; opens the follow-on round of
        a contract or framework nearing its end."""
        if (handler := ON_CONTRACT_EVENT.get(type(event))) is not None:
            await handler(uow(), event)

    @at_least_once(router, topics.REFERENCE, group_id=SPECIFICATION_WATCHER, title="contracts.reference:demand")
    async def on_reference_event(event: ReferenceEvent) -> None:
        """Adopts a harmonised specification as its item's reference and keeps the declared
        production lines beside the demand; suppliers are not ours."""
        if (handler := ON_REFERENCE_EVENT.get(type(event))) is not None:
            await handler(uow(), event)

    return router


Read = Callable[[Sequence[Any], Sequence[bytes]], Awaitable[list[aggregator.NeedChange]]]
Apply = Callable[[list[aggregator.NeedChange], Before | None, Relay], Awaitable[None]]


async def _chained(
    consumer: AIOKafkaConsumer | None,
    records: list[Any],
    values: list[bytes],
    read: Read,
    apply: Apply,
    overlapping: bool,
) -> None:
    """Applies the batch of `records`, then, while the consumer has more, the next ones:
    each batch is polled and read while the one before it is applied; with `overlapping`
    it is also begun then, unless it names a need of that batch (`aggregate_batch`: it
    places its needs from the bundles that batch handed over, and writes them once that
    batch has committed). The offsets of a batch are committed after its transaction,
    those of the last one by FastStream when the handler returns.

    Should a batch fail, each partition read since the last committed batch is rewound to
    its first record not committed, and the error is raised: the records are delivered
    again and the events already applied are recognised by their ids. Without a consumer
    (FastStream's in-memory broker) only the batch given is applied."""
    events = await read(records, values)
    relay = Relay.new()
    applying = asyncio.ensure_future(apply(events, None, relay))
    running = [applying]
    unsettled = [records]  # the batches read whose offsets are not committed, oldest first
    try:
        for _ in range(CHAINED_BATCHES - 1):
            if consumer is None:
                break
            try:
                polled = await consumer.getmany(timeout_ms=BATCH_TIMEOUT_MS, max_records=BATCH_RECORDS)
            except ConsumerStoppedError:
                break  # the service is stopping: the batch under way is finished, no more is read
            following = [record for batch in polled.values() for record in batch]
            if not following:
                break
            unsettled.append(following)
            next_events = await read(following, [record.value or b"" for record in following])
            before = Before(applying, relay) if overlapping and not _share_needs(events, next_events) else None
            if before is None:
                await applying
            next_relay = Relay.new()
            next_applying = asyncio.ensure_future(apply(next_events, before, next_relay))
            running.append(next_applying)
            await applying
            running.remove(applying)
            await _commit(consumer, unsettled.pop(0))
            applying, relay, events = next_applying, next_relay, next_events
        await applying
    except BaseException as exc:
        unfinished = [task for task in running if not task.done()]
        if unfinished:
            await asyncio.wait(unfinished)  # their transactions end, committed or not, before the rewind
        for task in running:
            if not task.cancelled() and task.exception() not in (None, exc):
                log.warning("aggregator.batch_not_applied", error=repr(task.exception()))
        if consumer is not None:
            _rewind(consumer, unsettled)
        raise


def _share_needs(before: Sequence[aggregator.NeedChange], after: Sequence[aggregator.NeedChange]) -> bool:
    need_ids = {event.payload.need_id for event in before}
    return any(event.payload.need_id in need_ids for event in after)


async def _commit(consumer: AIOKafkaConsumer, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
    """The offsets after `records`, per partition. Should the partitions have moved to
    another consumer meanwhile, it reads them from the last offsets committed and finds
    these events recorded as processed."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    try:
        await consumer.commit(offsets)
    except KafkaError as exc:
        log.warning("aggregator.offsets_not_committed", error=repr(exc))


def _rewind(consumer: AIOKafkaConsumer, batches: Sequence[Sequence[ConsumerRecord[Any, Any]]]) -> None:
    earliest: dict[TopicPartition, int] = {}
    for batch in batches:
        for record in batch:
            partition = TopicPartition(record.topic, record.partition)
            earliest[partition] = min(earliest.get(partition, record.offset), record.offset)
    for partition, offset in earliest.items():
        with contextlib.suppress(KafkaError):  # not assigned here now: read from the committed offset elsewhere
            consumer.seek(partition, offset)
