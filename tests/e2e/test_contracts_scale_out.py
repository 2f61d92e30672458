"""The contracts service's consumer of committed bundles, scaled out: two processes in one
consumer group on one PostgreSQL database, one killed (SIGKILL) while joint orders arrive
and another started in its place. Checked afterwards with plain SQL: one contract per
joint order with the order's lines, one `contract.created` event staged for each, every
event applied once."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from bundling_shared import topics
from bundling_shared.db import migrate
from bundling_shared.events.demand import JointOrderCommittedV1
from bundling_shared.messaging.kafka import ensure_topics
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.topics import Topic
from contracts.bootstrap import bootstrap
from contracts.config import ContractsSettings
from contracts.entrypoints.app import MIGRATIONS
from contracts.service_layer.unit_of_work import BUNDLE_EVENTS
from tests.contracts.events import joint_order
from tests.support import infra
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e

PHASES = 2
PER_PHASE = 400
NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR"]


def orders(phase: int) -> list[JointOrderCommittedV1]:
    return [
        joint_order(
            f"bundle-scale-{phase}-{n:04d}",
            {NATIONS[(n + k) % len(NATIONS)]: 10 + (n * 13 + k) % 500 for k in range(1 + n % 4)},
        )
        for n in range(PER_PHASE)
    ]


@pytest.fixture
async def database(postgres_maintenance_url: str) -> str:
    url = await infra.create_database(postgres_maintenance_url)
    service = bootstrap(ContractsSettings(database_url=url))
    await migrate(service.engine, MIGRATIONS)
    await service.engine.dispose()
    return url


def consumer(n: int, kafka_bootstrap: str, prefix: str, url: str, tmp_path: Path) -> ServiceProcess:
    port = infra.free_port()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "CONTRACTS_DATABASE_URL": url,
        "CONTRACTS_PORT": str(port),
        "CONTRACTS_RUN_MIGRATIONS": "false",
        "LOG_LEVEL": "WARNING",
    }
    return ServiceProcess("contracts", port, env, tmp_path / f"contracts-{n}.log")


async def publish(producer: AIOKafkaProducer, topic: str, events: list[JointOrderCommittedV1]) -> None:
    for event in events:
        headers = [(k, v.encode()) for k, v in event_headers(event).items()]
        await producer.send(topic, event.model_dump_json().encode(), key=event.aggregate_id.encode(), headers=headers)
    await producer.flush()


dsn = infra.plain_dsn


async def applied(url: str) -> int:
    return await infra.applied_by(url, BUNDLE_EVENTS)


async def test_each_joint_order_becomes_one_contract_whichever_consumer_takes_it(
    kafka_bootstrap: str, database: str, tmp_path: Path
) -> None:
    prefix = f"scale{uuid.uuid4().hex[:8]}."
    bundles_topic = prefix + topics.BUNDLES.name.removeprefix(topics.PREFIX)
    await ensure_topics(kafka_bootstrap, [Topic(bundles_topic, topics.BUNDLES.partitions)])
    phases = [orders(phase) for phase in range(PHASES)]
    first, second, third = (consumer(n, kafka_bootstrap, prefix, database, tmp_path) for n in (1, 2, 3))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(lambda each: each.start(), (first, second)))
        await publish(producer, bundles_topic, phases[0])
        while await applied(database) < PER_PHASE // 4:
            await asyncio.sleep(0.05)
        first.kill()  # while it works through its share
        await publish(producer, bundles_topic, phases[1])
        await asyncio.to_thread(third.start)
        deadline = time.monotonic() + 90
        while await applied(database) < PHASES * PER_PHASE:
            assert time.monotonic() < deadline, f"{await applied(database)} of {PHASES * PER_PHASE} applied"
            await asyncio.sleep(0.25)
        await asyncio.sleep(1)  # anything applied twice would be so by now
    finally:
        await producer.stop()
        for each in (first, second, third):
            each.stop()
    print(f"{PHASES * PER_PHASE} joint orders by 2 consumers, one killed and one started, in"
          f" {time.monotonic() - started:.0f} s")  # fmt: skip
    await check_contracts(database, [event for phase in phases for event in phase])


async def check_contracts(url: str, events: list[JointOrderCommittedV1]) -> None:
    conn = await asyncpg.connect(dsn(url))
    try:
        contracts = await conn.fetch("SELECT bundle_id, count(*) AS n FROM contracts GROUP BY bundle_id")
        assert {r["bundle_id"]: r["n"] for r in contracts} == {e.payload.bundle_id: 1 for e in events}
        lines = await conn.fetch(
            "SELECT c.bundle_id, l.nation, l.quantity FROM contract_lines l JOIN contracts c ON c.id = l.contract_id"
        )
        assert {(r["bundle_id"], r["nation"], r["quantity"]) for r in lines} == {
            (e.payload.bundle_id, line.nation, line.quantity) for e in events for line in e.payload.lines
        }
        assert len(lines) == sum(len(e.payload.lines) for e in events)
        created = await conn.fetch(
            "SELECT c.bundle_id, count(DISTINCT o.event_id) AS n FROM contracts c"
            " LEFT JOIN outbox o ON o.message_key = c.id AND o.event_type = 'contracts.contract.created'"
            " GROUP BY c.bundle_id HAVING count(DISTINCT o.event_id) <> 1"
        )
        assert [dict(r) for r in created] == [], "one contract.created event staged per contract"
        assert await conn.fetchval("SELECT count(*) FROM processed_messages WHERE consumer = $1", BUNDLE_EVENTS) == len(
            events
        )
    finally:
        await conn.close()
