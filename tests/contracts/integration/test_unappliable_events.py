"""On the real broker: an event the contracts service can read but cannot apply (a joint
order a rule of the contract refuses) is recorded and announced, not dead-lettered; only
what cannot be read reaches the dead-letter topic."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from faststream.kafka import KafkaBroker

from bundling_shared.events.demand import BundleEvent, JointOrderCommittedV1
from bundling_shared.messaging.kafka import at_least_once, ensure_topics, make_broker
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic, with_dead_letters
from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order_ending_before_it_starts
from tests.contracts.integration.conftest import Api
from tests.shared.integration.test_kafka_delivery import raw_publish, read_all


@pytest.fixture
async def broker(kafka_bootstrap: str) -> AsyncIterator[KafkaBroker]:
    b = make_broker(
        KafkaSettings(bootstrap_servers=kafka_bootstrap, consumer_max_attempts=3, consumer_backoff_seconds=0.05),
        "test",
    )
    yield b
    await b.stop()


async def test_a_decodable_event_the_contracts_service_cannot_apply_is_not_dead_lettered(
    kafka_bootstrap: str, broker: KafkaBroker, api: Api
) -> None:
    topic = Topic(f"test.{uuid.uuid4().hex[:10]}", partitions=1)
    await ensure_topics(kafka_bootstrap, with_dead_letters(topic))
    handled: list[str] = []

    @at_least_once(broker, topic, group_id=f"g-{uuid.uuid4().hex[:8]}")
    async def on_bundle_event(event: BundleEvent) -> None:
        if isinstance(event, JointOrderCommittedV1):
            await create_contract_for_joint_order(event, api.service.uow())
        handled.append(event.aggregate_id)

    refused = joint_order_ending_before_it_starts("bundle-refused", {})
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
    async with api.service.uow() as uow:
        refusal = await uow.contracts.refusal_for("bundle-refused")
    assert refusal is not None and "no participating nation" in refusal.reason
