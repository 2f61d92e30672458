"""Delivery guarantees on the real broker: outbox relay, retries, dead letters."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.demand import DeliveryWindow, NeedEvent, NeedRegisteredPayload, NeedRegisteredV1
from bundling_shared.messaging.kafka import at_least_once, ensure_topics, make_broker
from bundling_shared.messaging.outbox import OutboxRelay, event_headers, via_publishers
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic, with_dead_letters
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.entrypoints.app import MIGRATIONS


def need_event(need_id: str, version: int = 1) -> NeedRegisteredV1:
    event: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need_id,
            nation="NLD",
            item_code="VSRAT",
            quantity=3,
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2025, 12, 31)),
        ),
        aggregate_id=need_id,
        producer="test",
    )
    return event


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"reader-{uuid.uuid4().hex}"
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


@pytest.fixture
async def topic(kafka_bootstrap: str) -> Topic:
    t = Topic(f"test.{uuid.uuid4().hex[:10]}", partitions=3)
    await ensure_topics(kafka_bootstrap, with_dead_letters(t))
    return t


async def raw_publish(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, dict[str, str]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value, headers in messages:
            await producer.send_and_wait(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
    finally:
        await producer.stop()


@pytest.fixture
async def broker(kafka_bootstrap: str) -> AsyncIterator[KafkaBroker]:
    b = make_broker(
        KafkaSettings(bootstrap_servers=kafka_bootstrap, consumer_max_attempts=3, consumer_backoff_seconds=0.05),
        "test",
    )
    yield b
    await b.stop()


async def test_the_relay_publishes_staged_events_keyed_by_aggregate_and_marks_them_sent(
    kafka_bootstrap: str, topic: Topic, broker: KafkaBroker, database_url: str
) -> None:
    orm.start_mappers()
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    publisher = broker.publisher(topic.name)
    relay = OutboxRelay(engine, orm.outbox, via_publishers({topic.name: publisher}), batch_size=7)
    await broker.start()

    events = [need_event(f"need-{i % 4}") for i in range(20)]
    uow = DemandUnitOfWork(make_session_factory(engine))
    async with uow:
        for event in events:
            await uow.emit(topic, event)
        await uow.commit()
    async with uow:  # staged but rolled back: must never be published
        await uow.emit(topic, need_event("need-rolled-back"))

    sent = 0
    while batch := await relay.publish_pending():
        sent += batch
    assert sent == 20
    assert await relay.publish_pending() == 0

    records = await read_all(kafka_bootstrap, topic.name, 20)
    assert len(records) == 20
    by_key: dict[bytes, list[str]] = {}
    for r in records:
        body = json.loads(r.value)
        assert r.key == body["aggregate_id"].encode()
        assert dict(r.headers)["event-id"].decode() == body["event_id"]
        by_key.setdefault(r.key, []).append(body["event_id"])
    for key, ids in by_key.items():  # per-aggregate order holds
        assert ids == [str(e.event_id) for e in events if e.aggregate_id.encode() == key]
    assert "need-rolled-back" not in {json.loads(r.value)["aggregate_id"] for r in records}
    await engine.dispose()


async def test_poison_messages_are_dead_lettered_and_the_partition_goes_on(
    kafka_bootstrap: str, topic: Topic, broker: KafkaBroker
) -> None:
    handled: list[str] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def handle(event: NeedEvent) -> None:
        handled.append(event.aggregate_id)

    good = need_event("need-good")
    v2 = json.loads(need_event("need-v2").model_dump_json())
    v2["schema_version"] = 2
    key = b"same-key"  # all on one partition: the poison ones must not block the good one
    await raw_publish(
        kafka_bootstrap,
        topic.name,
        [
            (key, b"\x00not json at all", {}),
            (key, json.dumps(v2).encode(), {"event-type": "demand.need.registered", "event-version": "2"}),
            (key, good.model_dump_json().encode(), event_headers(good)),
        ],
    )
    await broker.start()
    dead = await read_all(kafka_bootstrap, topic.dead_letter.name, 2)
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.1)

    assert handled == ["need-good"]
    assert len(dead) == 2
    assert dead[0].value == b"\x00not json at all"  # the original bytes, untouched
    headers = [{k: v.decode() for k, v in d.headers} for d in dead]
    assert all(h["dlq-original-topic"] == topic.name for h in headers)
    assert headers[1]["dlq-error-type"] == "ValidationError" and "'schema_version'" in headers[1]["dlq-error"]
    assert headers[0]["dlq-attempts"] == "1"  # permanent errors are not retried
    assert {d.key for d in dead} == {key}


async def test_transient_failures_are_retried_and_persistent_ones_dead_lettered(
    kafka_bootstrap: str, topic: Topic, broker: KafkaBroker
) -> None:
    attempts: dict[str, int] = {}

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def handle(event: NeedEvent) -> None:
        attempts[event.aggregate_id] = attempts.get(event.aggregate_id, 0) + 1
        if event.aggregate_id == "flaky" and attempts["flaky"] < 3:
            raise ConnectionError("database restarting")
        if event.aggregate_id == "broken":
            raise RuntimeError("always fails")

    flaky, broken, fine = need_event("flaky"), need_event("broken"), need_event("fine")
    await raw_publish(
        kafka_bootstrap,
        topic.name,
        [(e.aggregate_id.encode(), e.model_dump_json().encode(), event_headers(e)) for e in (flaky, broken, fine)],
    )
    await broker.start()
    dead = await read_all(kafka_bootstrap, topic.dead_letter.name, 1)
    for _ in range(100):
        if attempts.get("fine") and attempts.get("flaky") == 3:
            break
        await asyncio.sleep(0.1)

    assert attempts == {"flaky": 3, "broken": 3, "fine": 1}
    assert len(dead) == 1 and dead[0].key == b"broken"
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq-attempts"] == "3" and headers["dlq-error-type"] == "RuntimeError"
    assert headers["correlation-id"] == broken.correlation_id


async def test_dead_letters_can_be_replayed_once_the_cause_is_fixed(
    kafka_bootstrap: str, topic: Topic, broker: KafkaBroker
) -> None:
    from bundling_shared.messaging.replay import read_dead_letters, replay

    fixed = asyncio.Event()
    handled: list[str] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def handle(event: NeedEvent) -> None:
        if not fixed.is_set():
            raise RuntimeError("reference data missing")
        handled.append(event.aggregate_id)

    stuck = need_event("need-stuck")
    await raw_publish(
        kafka_bootstrap, topic.name, [(b"need-stuck", stuck.model_dump_json().encode(), event_headers(stuck))]
    )
    await broker.start()
    assert len(await read_all(kafka_bootstrap, topic.dead_letter.name, 1)) == 1
    letters, _ = await read_dead_letters(kafka_bootstrap, topic.dead_letter.name)
    assert letters[0].original_topic == topic.name
    assert letters[0].headers["dlq-error"] == "reference data missing"

    fixed.set()
    assert await replay(kafka_bootstrap, topic.dead_letter.name) == 1
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.1)
    assert handled == ["need-stuck"]
    assert await replay(kafka_bootstrap, topic.dead_letter.name) == 0  # nothing is replayed twice
