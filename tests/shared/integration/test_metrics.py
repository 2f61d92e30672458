"""The metrics every service shares, on the real broker and databases: dead letters by
the topic they came from, consumer lag as the broker knows it, the outbox's backlog."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker
from sqlalchemy import update

from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.demand import NeedEvent
from bundling_shared.messaging.kafka import at_least_once, ensure_topics, make_broker
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.observability import probes
from bundling_shared.observability.metrics import ServiceMetrics
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import NEEDS, Topic, with_dead_letters
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.entrypoints.app import MIGRATIONS
from tests.shared.integration.test_kafka_delivery import need_event, raw_publish, read_all


@pytest.fixture
async def topic(kafka_bootstrap: str) -> Topic:
    t = Topic(f"test.{uuid.uuid4().hex[:10]}", partitions=2)
    await ensure_topics(kafka_bootstrap, with_dead_letters(t))
    return t


@pytest.fixture
def metrics() -> ServiceMetrics:
    return ServiceMetrics("test", refresh_seconds=0)


@pytest.fixture
async def broker(kafka_bootstrap: str, metrics: ServiceMetrics) -> AsyncIterator[KafkaBroker]:
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, consumer_max_attempts=2, consumer_backoff_seconds=0.01)
    b = make_broker(settings, "test", metrics)
    yield b
    await b.stop()


async def test_dead_letters_are_counted_by_the_topic_they_came_from(
    kafka_bootstrap: str, topic: Topic, broker: KafkaBroker, metrics: ServiceMetrics
) -> None:
    handled: list[str] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def handle(event: NeedEvent) -> None:
        handled.append(event.aggregate_id)

    good = need_event("need-good")
    poison: list[tuple[bytes, bytes, dict[str, str]]] = [(b"k", b"not json", {}), (b"k", b"{}", {})]
    await raw_publish(kafka_bootstrap, topic.name, [*poison, (b"k", good.model_dump_json().encode(), {})])
    await broker.start()
    await read_all(kafka_bootstrap, topic.dead_letter.name, 2)
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.1)

    sample = metrics.registry.get_sample_value
    assert sample("bundling_dead_letters_total", {"service": "test", "topic": topic.name}) == 2
    # FastStream's own counters, in the same registry, under the service's name
    received = {"app_name": "test", "broker": "kafka", "handler": topic.name}
    assert sample("faststream_received_messages_total", received) == 3
    exposed = (await metrics.exposition()).decode()
    assert f'bundling_dead_letters_total{{service="test",topic="{topic.name}"}} 2.0' in exposed


async def test_consumer_lag_is_what_each_group_has_yet_to_read_as_the_broker_knows_it(
    kafka_bootstrap: str, topic: Topic, metrics: ServiceMetrics
) -> None:
    await raw_publish(kafka_bootstrap, topic.name, [(b"same-key", b"%d" % i, {}) for i in range(5)])
    behind, never = f"behind-{uuid.uuid4().hex[:6]}", f"never-{uuid.uuid4().hex[:6]}"
    committer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=behind, enable_auto_commit=False)
    await committer.start()
    try:
        ends = await committer.end_offsets([TopicPartition(topic.name, p) for p in range(topic.partitions)])
        filled = next(tp for tp, end in ends.items() if end == 5)  # one key: one partition
        committer.assign([filled])
        await committer.commit({filled: 2})
    finally:
        await committer.stop()

    probe = probes.consumer_lag(metrics, kafka_bootstrap, lambda: [(behind, topic.name), (never, topic.name)])
    await probe()

    sample = metrics.registry.get_sample_value
    assert sample("bundling_consumer_lag", {"service": "test", "group": behind, "topic": topic.name}) == 3
    assert sample("bundling_consumer_lag", {"service": "test", "group": never, "topic": topic.name}) == 5


async def test_the_outbox_backlog_is_the_rows_pending_and_the_age_of_the_oldest(
    database_url: str, metrics: ServiceMetrics
) -> None:
    orm.start_mappers()
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    metrics.probe(probes.outbox_backlog(metrics, engine, orm.outbox))

    async def published(topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> None:
        pass

    uow = DemandUnitOfWork(make_session_factory(engine))
    async with uow:
        for i in range(3):
            await uow.emit(NEEDS, need_event(f"need-{i}"))
        await uow.commit()
    async with engine.begin() as conn:
        aged = datetime.now(UTC) - timedelta(minutes=10)
        await conn.execute(update(orm.outbox).where(orm.outbox.c.message_key == "need-1").values(created_at=aged))

    await metrics.refresh()
    assert metrics.registry.get_sample_value("bundling_outbox_pending", {"service": "test"}) == 3
    age = metrics.registry.get_sample_value("bundling_outbox_oldest_pending_age_seconds", {"service": "test"})
    assert age is not None and 600 <= age < 700

    await OutboxRelay(engine, orm.outbox, published).publish_pending()
    await metrics.refresh()
    assert metrics.registry.get_sample_value("bundling_outbox_pending", {"service": "test"}) == 0
    assert metrics.registry.get_sample_value("bundling_outbox_oldest_pending_age_seconds", {"service": "test"}) == 0
    await engine.dispose()
