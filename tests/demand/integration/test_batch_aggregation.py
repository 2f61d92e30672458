"""The aggregator takes need events in batches: one transaction per batch, each record
settled on its own (an unreadable one dead-lettered alone, a failing batch retried event
by event), redelivery harmless. On the real broker and on both databases."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared import topics
from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.demand import (
    DeliveryWindow,
    NeedAmendedPayload,
    NeedAmendedV1,
    NeedRegisteredPayload,
    NeedRegisteredV1,
    NeedWithdrawnPayload,
    NeedWithdrawnV1,
)
from bundling_shared.messaging.dead_letter import RetryPolicy
from bundling_shared.messaging.kafka import at_least_once, ensure_topics, make_broker
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.observability import tracing
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic, with_dead_letters
from demand.adapters import orm
from demand.adapters.batching.ahead import WritesAhead
from demand.adapters.batching.cache import BatchCache
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.domain.bundle import DecisionKind
from demand.domain.need import Deviation, Need, NeedStatus
from demand.entrypoints import subscribers
from demand.entrypoints.app import MIGRATIONS
from demand.entrypoints.subscribers import build_router
from demand.service_layer import aggregator
from demand.service_layer.aggregator import NeedChange
from demand.service_layer.specifications import adopt_harmonised_specification
from demand.service_layer.unit_of_work import BundleFilter, UowFactory

ATTEMPTS = 3
POLICY = RetryPolicy(service="demand", max_attempts=ATTEMPTS, backoff_seconds=0.05)
WINDOWS = [(date(2025, 1, 1), date(2028, 12, 31)), (date(2031, 1, 1), date(2032, 12, 31))]


class CountingUnitOfWork(DemandUnitOfWork):
    """The real unit of work, counting its commits."""

    commits = 0

    async def commit(self) -> None:
        await super().commit()
        CountingUnitOfWork.commits += 1


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[tuple[AsyncEngine, UowFactory]]:
    async with open_store(database_url) as opened:
        yield opened


@asynccontextmanager
async def open_store(database_url: str) -> AsyncIterator[tuple[AsyncEngine, UowFactory]]:
    orm.start_mappers()
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    try:
        yield engine, partial(CountingUnitOfWork, make_session_factory(engine))
    finally:
        await engine.dispose()


async def new_needs(uow: UowFactory, specs: Sequence[tuple[str, str, int, int]]) -> list[Need]:
    """Submitted needs (nation, item, quantity, window index), stored as registration does."""
    async with uow() as u:
        needs = []
        for nation, code, quantity, window in specs:
            need = Need.register(
                now=u.clock.now(),
                nation=nation,
                item_code=code,
                quantity=quantity,
                window_start=WINDOWS[window][0],
                window_end=WINDOWS[window][1],
                item=await u.catalogue.get(code),
            )
            u.needs.add(need)
            needs.append(need)
        await u.commit()
    return needs


def registered(need: Need, nation: str | None = None, need_id: str | None = None) -> NeedRegisteredV1:
    event: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need_id or need.id,
            nation=nation or need.nation,
            item_code=need.item_code,
            quantity=need.quantity,
            delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
        ),
        aggregate_id=need_id or need.id,
        producer="demand",
        nation=nation or need.nation,
    )
    return event


def amended(need: Need) -> NeedAmendedV1:
    event: NeedAmendedV1 = NeedAmendedV1.create(
        NeedAmendedPayload(need_id=need.id, nation=need.nation, item_code=need.item_code, version=2, changed=[]),
        aggregate_id=need.id,
        producer="demand",
        nation=need.nation,
    )
    return event


def withdrawn(need: Need) -> NeedWithdrawnV1:
    event: NeedWithdrawnV1 = NeedWithdrawnV1.create(
        NeedWithdrawnPayload(need_id=need.id, nation=need.nation, item_code=need.item_code),
        aggregate_id=need.id,
        producer="demand",
        nation=need.nation,
    )
    return event


async def bundle_lines(uow: UowFactory) -> dict[str, list[str]]:
    """Need ids per bundle."""
    async with uow() as u:
        found = await u.bundles.list(BundleFilter(), 100, 0)
        return {b.id: sorted(line.need_id for line in await u.bundles.lines(b.id)) for b in found}


async def joined(uow: UowFactory) -> list[str]:
    """The need id of every 'joined' entry of every bundle's trail."""
    async with uow() as u:
        ids = []
        for bundle in await u.bundles.list(BundleFilter(), 100, 0):
            ids += [d.need_id or "" for d in await u.bundles.trail(bundle.id) if d.kind is DecisionKind.JOINED]
        return sorted(ids)


async def processed(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(orm.processed_messages)) or 0)


async def until(check: Callable[[], Any], timeout: float = 30) -> None:
    """Waits for `check` (a plain or an async callable) to hold."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


def processed_reach(engine: AsyncEngine, expected: int) -> Callable[[], Any]:
    async def check() -> bool:
        return await processed(engine) >= expected

    return check


# --------------------------------------------------------------------------- service layer
async def test_a_batch_is_applied_in_one_transaction_and_counts_each_event_once(
    store: tuple[AsyncEngine, UowFactory],
) -> None:
    engine, uow = store
    needs = await new_needs(uow, [(n, "AMMO-155MM", 100 * (i + 1), 0) for i, n in enumerate(["NLD", "DEU", "CZE"])])
    first = registered(needs[0])
    await aggregator.aggregate(first, uow())  # applied before the batch arrives
    events: list[NeedChange] = [first, registered(needs[1]), registered(needs[2])]
    events.append(events[1])  # the producer's retry: the same event twice in one batch

    CountingUnitOfWork.commits = 0
    await aggregator.aggregate_together(events, uow())
    assert CountingUnitOfWork.commits == 1
    (lines,) = (await bundle_lines(uow)).values()
    assert lines == sorted(n.id for n in needs)
    assert await joined(uow) == sorted(n.id for n in needs)
    assert await processed(engine) == 3

    # The whole batch delivered again: nothing is written, nothing changes.
    CountingUnitOfWork.commits = 0
    await aggregator.aggregate_together(events, uow())
    assert CountingUnitOfWork.commits == 0
    assert await joined(uow) == sorted(n.id for n in needs)


async def test_an_event_another_transaction_is_recording_is_left_to_it_once_it_commits(postgres_url: str) -> None:
    """On PostgreSQL a batch records its events first, by one insert skipping those recorded
    before: an event another aggregator's transaction is recording meanwhile is waited for
    and, that transaction committed, counted as recorded rather than applied twice or
    failing the batch at its end."""
    async with open_store(postgres_url) as (engine, uow):
        mine, theirs = await new_needs(uow, [("NLD", "AMMO-155MM", 100, 0), ("DEU", "AMMO-155MM", 50, 0)])
        events: list[NeedChange] = [registered(theirs), registered(mine)]
        async with uow() as other:
            assert await other.record_processed(aggregator.AGGREGATOR, [str(events[0].event_id)])
            batch = asyncio.create_task(aggregator.aggregate_together(events, uow()))
            await asyncio.sleep(0.3)
            assert not batch.done()  # held by the record the other transaction has not committed
            await other.commit()
        await batch
        assert await joined(uow) == [mine.id]  # the other one's event is the other one's to apply
        assert await processed(engine) == 2


async def test_a_failing_batch_is_applied_event_by_event_and_events_naming_no_need_of_ours_are_set_aside(
    store: tuple[AsyncEngine, UowFactory],
) -> None:
    engine, uow = store
    a, b, c = await new_needs(uow, [("NLD", "VSRAT", 4, 0), ("DEU", "VSRAT", 6, 0), ("CZE", "VSRAT", 2, 0)])
    ghost = registered(a, need_id="need-that-is-not-here")
    foreign = registered(b, nation="FRA")  # names another nation than the need's own
    events: list[NeedChange] = [registered(a), ghost, registered(b), foreign, registered(c)]

    CountingUnitOfWork.commits = 0
    ignored = await aggregator.aggregate_batch(events, uow(), POLICY)

    # The ghost may appear later: retried, then recorded as seen; the foreign one breaks a
    # rule and is not retried. Neither is a need accepted here: nothing of one is lost.
    assert [(i.event.event_id, "unknown" in i.reason) for i in ignored] == [
        (ghost.event_id, True),
        (foreign.event_id, False),
    ]
    assert CountingUnitOfWork.commits == 5  # the batch rolled back, then a, b and c alone, then the two recorded
    (lines,) = (await bundle_lines(uow)).values()
    assert lines == sorted([a.id, b.id, c.id])
    assert await processed(engine) == 5


async def feed(uow: UowFactory, events: list[NeedChange], batch: int) -> None:
    """In batches of `batch`, each in one transaction, or (0) one event at a time."""
    if batch:
        for start in range(0, len(events), batch):
            await aggregator.aggregate_together(events[start : start + batch], uow())
    else:
        for event in events:
            await aggregator.aggregate(event, uow())


Feed = Callable[[UowFactory, list[NeedChange], int], Awaitable[None]]
SPECS = [
    (nation, code, 10 + 7 * i, i % 2)
    for i, (nation, code) in enumerate(
        (n, c) for c in ("AMMO-155MM", "NLAW", "CV90") for n in ("NLD", "DEU", "CZE", "POL", "ESP", "SWE")
    )
]


async def placements(database_url: str, fed: Feed, batched: bool) -> list[Any]:
    """The bundles, lines, shares and trails after the needs of `SPECS` are registered,
    then some withdrawn, moved or amended, each event fed by `fed`."""
    async with open_store(database_url) as (_, uow):
        needs = await new_needs(uow, SPECS)
        await fed(uow, [registered(n) for n in needs], 7 if batched else 0)
        # Then, as the aggregator would find them: two needs withdrawn, one moved to a
        # later delivery window, two with a new quantity (one of them registered now).
        (late,) = await new_needs(uow, [("FIN", "NLAW", 33, 0)])
        async with uow() as u:
            stored = await u.needs.get_many({n.id for n in needs} | {late.id})
            for need in (needs[1], needs[7]):
                stored[need.id].status = NeedStatus.WITHDRAWN
            stored[needs[2].id].window_start, stored[needs[2].id].window_end = WINDOWS[1]
            stored[needs[15].id].quantity = 999
            stored[late.id].quantity = 44
            await u.commit()
        await fed(
            uow,
            [
                registered(late),
                amended(needs[2]),
                amended(late),  # its line was added earlier in the same batch
                withdrawn(needs[1]),
                amended(needs[15]),
                withdrawn(needs[7]),
            ],
            10 if batched else 0,
        )
        order = {n.id: i for i, n in enumerate([*needs, late])}
        async with uow() as u:
            placed = []
            for bundle in await u.bundles.list(BundleFilter(), 100, 0):
                lines = await u.bundles.lines(bundle.id)
                trail = await u.bundles.trail(bundle.id)
                placed.append(
                    (
                        bundle.item_code,
                        bundle.kind.value,
                        bundle.variant,
                        bundle.total_quantity,
                        bundle.line_count,
                        sorted((order[line.need_id], line.quantity) for line in lines),
                        sorted((s.nation, s.quantity, s.need_count) for s in bundle.shares),
                        [(d.kind.value, order.get(d.need_id or "", -1)) for d in trail],
                    )
                )
        return sorted(placed)


async def test_batches_place_needs_exactly_as_one_event_at_a_time_does(tmp_path: Path) -> None:
    one = await placements(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}", feed, batched=False)
    batched = await placements(f"sqlite+aiosqlite:///{tmp_path / 'batched.db'}", feed, batched=True)
    assert one == batched
    kinds = {kind for bundle in batched for kind, _ in bundle[-1]}
    assert {"opened", "joined", "left", "split"} <= kinds  # every path of the placement was taken
    assert any((len(SPECS), 44) in bundle[5] for bundle in batched)  # the late need, amended in its batch


async def overlapping(uow: UowFactory, events: list[NeedChange], batch: int) -> None:
    """In batches of `batch`, each begun while the one before is still applied and placed
    from the bundles it hands over, as the subscriber does on PostgreSQL when they share
    no need."""
    before: aggregator.Before | None = None
    earlier: set[str] = set()
    for start in range(0, len(events), batch):
        now = events[start : start + batch]
        if before is not None and {e.payload.need_id for e in now} & earlier:
            await before.applied
            before = None
        relay = aggregator.Relay.new()
        running = asyncio.ensure_future(aggregator.aggregate_batch(now, uow(), POLICY, before, relay))
        await asyncio.sleep(0.01)  # it records its events and reads its needs before the one before commits
        if before is not None:
            await before.applied
        before, earlier = aggregator.Before(running, relay), {e.payload.need_id for e in now}
    if before is not None:
        await before.applied


async def test_on_postgresql_batches_writing_rows_while_placing_and_begun_early_place_needs_as_one_at_a_time(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch sends the rows of the needs placed so far while it places the next ones (here
    after every two needs), and begins, placing its needs from the bundles the batch before
    handed over, before that batch has committed: none of it changes where a need goes,
    nor the totals, lines and trail entries."""
    monkeypatch.setattr(BatchCache, "AHEAD_ROWS", 2)
    monkeypatch.setattr(BatchCache, "YIELD_EVERY", 1)
    sent: list[int] = []
    write = WritesAhead.write

    async def counted(self: WritesAhead, statements: Any) -> None:
        sent.append(len(statements))
        await write(self, statements)

    monkeypatch.setattr(WritesAhead, "write", counted)
    failed: list[BaseException] = []
    together = aggregator.aggregate_together

    async def watched(*args: Any) -> None:
        try:
            await together(*args)
        except BaseException as exc:  # the batch would be applied one by one: not the path under test
            failed.append(exc)
            raise

    monkeypatch.setattr(aggregator, "aggregate_together", watched)
    adopted: list[object] = []
    adopt = BatchCache.adopt

    def counted_adopt(self: BatchCache, handed: object, stored: asyncio.Future[bool]) -> None:
        adopted.append(handed)
        adopt(self, handed, stored)

    monkeypatch.setattr(BatchCache, "adopt", counted_adopt)
    one = await placements(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}", feed, batched=False)
    assert sent == []  # one event at a time: nothing to send ahead
    ahead = await placements(postgres_url, overlapping, batched=True)
    assert one == ahead
    assert failed == []
    assert len(sent) > 5
    assert len(adopted) == 2  # the second and third batches of registrations start from the one before


async def waiting_for_items(engine: AsyncEngine, transactions: int) -> bool:
    """Whether so many transactions wait for an item's opening lock (an advisory lock)."""
    async with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return int(await conn.scalar(text(query)) or 0) >= transactions


async def test_on_postgresql_a_batch_begun_early_places_its_needs_by_a_specification_adopted_before_it_commits(
    postgres_url: str,
) -> None:
    """A batch begun from the bundles the batch before handed over reads its items before
    it may hold them. Here a harmonised specification is adopted once that batch has
    committed (the adoption waited for the item first) and before this one commits: the
    need asking for that specification bundles with the others, as it would had it been
    placed after the adoption, instead of standing apart waiting for a harmonisation that
    already happened."""
    code, adopted = "AMMO-155MM", "STANAG 4425 ed. 9"
    async with open_store(postgres_url) as (engine, uow):
        first = await new_needs(uow, [("NLD", code, 100, 0), ("DEU", code, 120, 0)])
        async with uow() as u:
            item = await u.catalogue.get(code)
            assert item is not None and item.specification_ref != adopted
            own = Need.register(
                now=u.clock.now(),
                nation="POL",
                item_code=code,
                quantity=90,
                window_start=WINDOWS[0][0],
                window_end=WINDOWS[0][1],
                specification_ref=adopted,
                item=item,
            )
            u.needs.add(own)
            await u.commit()
        released = asyncio.Event()

        class CommittingOnceReleased(CountingUnitOfWork):
            async def commit(self) -> None:
                await released.wait()
                await super().commit()

        relay = aggregator.Relay.new()
        held = CommittingOnceReleased(make_session_factory(engine))
        running = asyncio.ensure_future(
            aggregator.aggregate_batch([registered(n) for n in first], held, POLICY, None, relay)
        )
        await relay.handed  # placed, holding the item, not committed
        adoption = asyncio.ensure_future(
            adopt_harmonised_specification(uow(), event_id=uuid.uuid4(), item_code=code, reference=adopted)
        )
        await until(partial(waiting_for_items, engine, 1), timeout=10)
        following = asyncio.ensure_future(
            aggregator.aggregate_batch(
                [registered(own)], uow(), POLICY, aggregator.Before(running, relay), aggregator.Relay.new()
            )
        )
        # The second batch opens a bundle for its need, and waits for the item behind the adoption.
        await until(partial(waiting_for_items, engine, 2), timeout=10)
        released.set()
        assert await running == [] and await adoption and await following == []
        lines = await bundle_lines(uow)
    assert sorted([own.id, *(n.id for n in first)]) in lines.values(), lines


# --------------------------------------------------------------------------- on the broker
async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"reader-{uuid.uuid4().hex}"
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for part in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


async def publish(bootstrap: str, topic: str, records: Sequence[tuple[bytes, dict[str, str]]], key: bytes) -> None:
    """All under one key: one partition, in this order, read as one batch."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value, headers in records:
            await producer.send(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
        await producer.flush()
    finally:
        await producer.stop()


def record(event: NeedChange) -> tuple[bytes, dict[str, str]]:
    return event.model_dump_json().encode(), event_headers(event)


@asynccontextmanager
async def aggregator_on_kafka(bootstrap: str, uow: UowFactory, overlapping: bool = False) -> AsyncIterator[str]:
    """The service's own subscribers on topics of their own; yields the needs topic."""
    prefix = f"batch{uuid.uuid4().hex[:8]}."
    wanted = with_dead_letters(topics.NEEDS, topics.CONTRACTS, topics.REFERENCE)
    await ensure_topics(bootstrap, [Topic(prefix + t.name, t.partitions) for t in wanted])
    settings = KafkaSettings(bootstrap_servers=bootstrap, consumer_max_attempts=ATTEMPTS, consumer_backoff_seconds=0.05)
    broker = make_broker(settings, "demand")
    broker.include_router(build_router(uow, POLICY, overlapping), prefix=prefix)
    await broker.start()
    try:
        yield prefix + topics.NEEDS.name
    finally:
        await broker.stop()


async def test_a_poison_record_in_a_batch_is_dead_lettered_alone_and_redelivery_changes_nothing(
    kafka_bootstrap: str, store: tuple[AsyncEngine, UowFactory]
) -> None:
    engine, uow = store
    a, b, c, d, e = await new_needs(uow, [(n, "AMMO-155MM", 500, 0) for n in ("NLD", "DEU", "CZE", "POL", "ESP")])
    unknown_version = json.loads(registered(d).model_dump_json())
    unknown_version["schema_version"] = 9
    poison = [
        (b"{not json", {"correlation-id": "garbage-1"}),
        (json.dumps(unknown_version).encode(), {"event-type": "demand.need.registered", "event-version": "9"}),
    ]
    good = [record(registered(n)) for n in (a, b, c)]
    async with aggregator_on_kafka(kafka_bootstrap, uow) as needs_topic:
        await publish(kafka_bootstrap, needs_topic, [good[0], poison[0], good[1], poison[1], good[2]], b"k")
        await until(processed_reach(engine, 3))
        dead = await read_all(kafka_bootstrap, needs_topic + ".dlq", 2)

        assert [r.value for r in dead] == [value for value, _ in poison]  # original bytes, in order
        headers = [{k: v.decode() for k, v in r.headers} for r in dead]
        assert all(h["dlq-original-topic"] == needs_topic and h["dlq-consumer"] == "demand" for h in headers)
        assert [h["dlq-error-type"] for h in headers] == ["ValidationError", "ValidationError"]
        assert [h["dlq-attempts"] for h in headers] == ["1", "1"]
        assert headers[0]["correlation-id"] == "garbage-1" and headers[1]["event-version"] == "9"
        assert all(r.key == b"k" for r in dead)
        (lines,) = (await bundle_lines(uow)).values()
        assert lines == sorted([a.id, b.id, c.id])

        # The same records again (a consumer crashed before committing), then a new one.
        await publish(kafka_bootstrap, needs_topic, [*good, record(registered(e))], b"k")
        await until(processed_reach(engine, 4))
        (lines,) = (await bundle_lines(uow)).values()
        assert lines == sorted([a.id, b.id, c.id, e.id])
        assert await joined(uow) == sorted([a.id, b.id, c.id, e.id])
        assert len(await read_all(kafka_bootstrap, needs_topic + ".dlq", 3, timeout=2)) == 2


async def test_batches_read_while_the_one_before_is_applied_are_all_applied_and_their_offsets_committed(
    kafka_bootstrap: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 20 records on PostgreSQL: each is polled and begun while the one before is
    applied; every need is placed once, and the offsets are committed to the last record."""
    monkeypatch.setattr(subscribers, "BATCH_RECORDS", 20)
    nations = ("NLD", "DEU", "CZE", "POL", "ESP", "SWE")
    async with open_store(postgres_url) as (engine, uow):
        needs = await new_needs(uow, [(nations[i % 6], ("NLAW", "CV90")[i % 2], 10 + i, i % 2) for i in range(120)])
        async with aggregator_on_kafka(kafka_bootstrap, uow, overlapping=True) as needs_topic:
            producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
            await producer.start()
            try:
                for need in needs:
                    value, headers = record(registered(need))
                    await producer.send(
                        needs_topic, value, key=need.id.encode(), headers=[(k, v.encode()) for k, v in headers.items()]
                    )
                await producer.flush()
            finally:
                await producer.stop()
            await until(processed_reach(engine, len(needs)))

            async def all_committed() -> bool:
                admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
                await admin.start()
                try:
                    offsets = await admin.list_consumer_group_offsets(topics.PREFIX + aggregator.AGGREGATOR)
                finally:
                    await admin.close()
                committed: int = sum(at.offset for tp, at in offsets.items() if tp.topic == needs_topic)
                return committed == len(needs)

            await until(all_committed)
        assert await joined(uow) == sorted(n.id for n in needs)
        assert sum(len(lines) for lines in (await bundle_lines(uow)).values()) == len(needs)


async def test_a_batch_whose_transaction_fails_dead_letters_nothing_that_could_be_read(
    kafka_bootstrap: str, store: tuple[AsyncEngine, UowFactory]
) -> None:
    engine, uow = store
    a, b = await new_needs(uow, [("NLD", "NLAW", 40, 0), ("DEU", "NLAW", 60, 0)])
    ghost = registered(a, need_id="need-registered-elsewhere")
    async with aggregator_on_kafka(kafka_bootstrap, uow) as needs_topic:
        await publish(kafka_bootstrap, needs_topic, [record(registered(a)), record(ghost), record(registered(b))], b"k")
        await until(processed_reach(engine, 3))
        assert await read_all(kafka_bootstrap, needs_topic + ".dlq", 1, timeout=2) == []
    (lines,) = (await bundle_lines(uow)).values()
    assert lines == sorted([a.id, b.id])


async def test_a_batch_whose_handler_fails_is_delivered_again_not_dead_lettered(kafka_bootstrap: str) -> None:
    topic = Topic(f"test.{uuid.uuid4().hex[:10]}", partitions=1)
    await ensure_topics(kafka_bootstrap, with_dead_letters(topic))
    settings = KafkaSettings(
        bootstrap_servers=kafka_bootstrap, consumer_max_attempts=ATTEMPTS, consumer_backoff_seconds=0.05
    )
    broker: KafkaBroker = make_broker(settings, "test")
    calls: list[list[int]] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}", batch=True, max_records=50)
    async def handle(body: list[Any]) -> None:
        calls.append([record["n"] for record in body])
        if len(calls) <= ATTEMPTS:  # as many failures in a row as the per-message retries allow
            raise ConnectionError("database restarting")

    def settled() -> bool:
        return sorted(n for call in calls[ATTEMPTS:] for n in call) == list(range(5))

    await publish(kafka_bootstrap, topic.name, [(json.dumps({"n": i}).encode(), {}) for i in range(5)], b"k")
    await broker.start()
    try:
        await until(settled)
    finally:
        await broker.stop()
    assert calls[0][0] == 0 and all(call[0] == 0 for call in calls[:ATTEMPTS])  # from the first record again
    assert await read_all(kafka_bootstrap, topic.dead_letter.name, 1, timeout=2) == []


async def deviating_needs(uow: UowFactory) -> list[Need]:
    """Two nations' needs of one item, each with a deviation the other's is not compatible
    with: placing them proposes a harmonisation for each."""
    async with uow() as u:
        deviating = []
        for nation in ("FIN", "POL"):
            need = Need.register(
                now=u.clock.now(),
                nation=nation,
                item_code="AMMO-155MM",
                quantity=500,
                window_start=WINDOWS[0][0],
                window_end=WINDOWS[0][1],
                item=await u.catalogue.get("AMMO-155MM"),
                deviations=[Deviation(f"{nation} fuze", compatible=False)],
            )
            u.needs.add(need)
            deviating.append(need)
        await u.commit()
    return deviating


async def test_events_caused_in_a_batch_carry_the_correlation_id_of_their_need_event(
    store: tuple[AsyncEngine, UowFactory],
) -> None:
    engine, uow = store
    deviating = await deviating_needs(uow)
    events = [registered(need) for need in deviating]
    await aggregator.aggregate_together(events, uow())

    async with engine.connect() as conn:
        bodies = (
            (
                await conn.execute(
                    select(orm.outbox.c.body).where(orm.outbox.c.event_type == "demand.harmonisation.proposed")
                )
            )
            .scalars()
            .all()
        )
    proposals = {json.loads(b)["payload"]["nations"][0]: json.loads(b) for b in bodies}
    assert set(proposals) == {"FIN", "POL"}
    for event, need in zip(events, deviating, strict=True):
        assert proposals[need.nation]["correlation_id"] == event.correlation_id


async def test_events_caused_in_a_batch_carry_the_trace_of_their_need_event(
    store: tuple[AsyncEngine, UowFactory],
) -> None:
    engine, uow = store
    deviating = await deviating_needs(uow)
    events = [registered(need) for need in deviating]
    traces = {need.nation: uuid.uuid4().hex for need in deviating}
    before = tracing.install(tracing.new_provider("demand"))
    try:
        with tracing.carrying():
            for event, need in zip(events, deviating, strict=True):
                tracing.remember(str(event.event_id), {"traceparent": f"00-{traces[need.nation]}-{'1' * 16}-01"})
            await aggregator.aggregate_together(events, uow())
    finally:
        tracing.install(before)

    async with engine.connect() as conn:
        rows = await conn.execute(
            select(orm.outbox.c.body, orm.outbox.c.headers).where(
                orm.outbox.c.event_type == "demand.harmonisation.proposed"
            )
        )
        carried = {json.loads(body)["payload"]["nations"][0]: headers["traceparent"] for body, headers in rows}
    assert {nation: parent.split("-")[1] for nation, parent in carried.items()} == traces
