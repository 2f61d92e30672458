"""On the real broker: an event the contracts service can read but cannot apply (a joint
order a rule of the contract refuses) is recorded and announced, not dead-lettered; only
what cannot be read reaches the dead-letter topic."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from faststream.kafka import KafkaBroker

from bundling_shared.db import migrate
from bundling_shared.events.demand import (
    BundleEvent,
    DeliveryWindow,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
)
from bundling_shared.messaging.kafka import at_least_once, ensure_topics, make_broker
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic, with_dead_letters
from contracts.bootstrap import ContractsService
from contracts.config import ContractsSettings
from contracts.entrypoints.app import MIGRATIONS, create_app
from contracts.service_layer import handlers
from tests.integration.test_kafka_delivery import raw_publish, read_all


def unappliable_joint_order(bundle_id: str) -> JointOrderCommittedV1:
    """Decodable, but its delivery window ends before it starts."""
    today = date.today()
    event: JointOrderCommittedV1 = JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id=bundle_id,
            item_code="AMMO-155MM",
            lead="CZE",
            lines=[],
            total_quantity=0,
            delivery_window=DeliveryWindow(start=today + timedelta(days=30), end=today),
            committed_by="coordinator:CZE",
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )
    return event


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[ContractsService]:
    app = create_app(ContractsSettings(database_url=database_url, run_migrations=False))
    contracts: ContractsService = app.state.service
    await migrate(contracts.engine, MIGRATIONS)
    yield contracts
    await contracts.engine.dispose()


@pytest.fixture
async def broker(kafka_bootstrap: str) -> AsyncIterator[KafkaBroker]:
    b = make_broker(
        KafkaSettings(bootstrap_servers=kafka_bootstrap, consumer_max_attempts=3, consumer_backoff_seconds=0.05),
        "test",
    )
    yield b
    await b.stop()


async def test_a_decodable_event_the_contracts_service_cannot_apply_is_not_dead_lettered(
    kafka_bootstrap: str, broker: KafkaBroker, service: ContractsService
) -> None:
    topic = Topic(f"test.{uuid.uuid4().hex[:10]}", partitions=1)
    await ensure_topics(kafka_bootstrap, with_dead_letters(topic))
    handled: list[str] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def on_bundle_event(event: BundleEvent) -> None:
        if isinstance(event, JointOrderCommittedV1):
            await handlers.create_contract_for_joint_order(event, service.uow())
        handled.append(event.aggregate_id)

    refused = unappliable_joint_order("bundle-refused")
    key = b"bundle-refused"
    await raw_publish(
        kafka_bootstrap,
        topic.name,
        [
            (key, refused.model_dump_json().encode(), event_headers(refused)),
            (key, b"\x00not json at all", {}),  # what cannot be read: the one dead letter
        ],
    )
    await broker.start()
    dead = await read_all(kafka_bootstrap, topic.dead_letter.name, 2, timeout=10)
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.1)

    assert [d.value for d in dead] == [b"\x00not json at all"]
    assert handled == ["bundle-refused"]
    async with service.uow() as uow:
        refusal = await uow.contracts.refusal_for("bundle-refused")
    assert refusal is not None and "no participating nation" in refusal.reason
