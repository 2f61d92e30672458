"""The demand aggregator scaled out: two, then three processes in one consumer group on
one PostgreSQL database, one of them killed (SIGKILL) while needs arrive and another
joining. Checked afterwards with plain SQL, not the service's code: every need placed
exactly once, every bundle's totals the sum of its lines, one open bundle per item where
the rules allow only one, every event applied once."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from bundling_shared import topics
from bundling_shared.db import migrate
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from bundling_shared.messaging.kafka import ensure_topics
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.topics import Topic
from demand.bootstrap import bootstrap
from demand.config import DemandSettings
from demand.domain.need import Need
from demand.entrypoints.app import MIGRATIONS
from demand.service_layer.aggregator import AGGREGATOR
from tests.support import infra
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e

NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR", "SWE", "FIN", "BEL", "EST"]
PHASES = 3
PER_PHASE = 1_500
# One window for every need: needs of one item may always share a bundle, so the rules
# allow exactly one open bundle per item.
WINDOW = (date(2030, 1, 1), date(2032, 12, 31))


async def needs_to_place(url: str, count: int) -> list[Need]:
    """Of every item in the catalogue, stored as registration stores them; their events
    go on the topic from the test."""
    service = bootstrap(DemandSettings(database_url=url))
    async with service.uow() as uow:
        items = list(await uow.catalogue.list(None, False, 100, 0))
    now = datetime.now(UTC)
    needs = [
        Need.register(
            now=now,
            item=items[(i * 7) % len(items)],
            nation=NATIONS[i % len(NATIONS)],
            item_code=items[(i * 7) % len(items)].code,
            quantity=1 + i % 97,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
        )
        for i in range(count)
    ]
    for chunk in range(0, len(needs), 1_000):
        async with service.uow() as uow:
            for need in needs[chunk : chunk + 1_000]:
                uow.needs.add(need)
            await uow.commit()
    await service.engine.dispose()
    return needs


def registered(need: Need) -> NeedRegisteredV1:
    event: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need.id,
            nation=need.nation,
            item_code=need.item_code,
            quantity=need.quantity,
            delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
        ),
        aggregate_id=need.id,
        producer="scale-out-test",
        nation=need.nation,
    )
    return event


@pytest.fixture
async def database(postgres_maintenance_url: str) -> str:
    url = await infra.create_database(postgres_maintenance_url)
    service = bootstrap(DemandSettings(database_url=url))
    await migrate(service.engine, MIGRATIONS)
    await service.engine.dispose()
    return url


async def publish(producer: AIOKafkaProducer, topic: str, needs: list[Need]) -> None:
    for need in needs:
        event = registered(need)
        headers = [(k, v.encode()) for k, v in event_headers(event).items()]
        await producer.send(topic, event.model_dump_json().encode(), key=need.id.encode(), headers=headers)
    await producer.flush()


def aggregator(n: int, kafka_bootstrap: str, prefix: str, url: str, tmp_path: Path) -> ServiceProcess:
    port = infra.free_port()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "DEMAND_DATABASE_URL": url,
        "DEMAND_PORT": str(port),
        "DEMAND_RUN_MIGRATIONS": "false",
        "LOG_LEVEL": "WARNING",
    }
    return ServiceProcess("demand", port, env, tmp_path / f"aggregator-{n}.log")


async def applied(url: str) -> int:
    return await infra.applied_by(url, AGGREGATOR)


async def test_needs_are_placed_once_each_by_aggregators_that_come_and_go(
    kafka_bootstrap: str, database: str, tmp_path: Path
) -> None:
    prefix = f"scale{uuid.uuid4().hex[:8]}."
    needs_topic = prefix + topics.NEEDS.name.removeprefix(topics.PREFIX)
    await ensure_topics(kafka_bootstrap, [Topic(needs_topic, topics.NEEDS.partitions)])
    needs = await needs_to_place(database, PHASES * PER_PHASE)
    phases = [needs[i * PER_PHASE : (i + 1) * PER_PHASE] for i in range(PHASES)]
    first, second, third = (aggregator(n, kafka_bootstrap, prefix, database, tmp_path) for n in (1, 2, 3))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(lambda each: each.start(), (first, second)))
        await publish(producer, needs_topic, phases[0])  # two aggregators
        await asyncio.to_thread(third.start)
        await publish(producer, needs_topic, phases[1])  # three
        first.kill()  # in the middle of its batches: nothing of them committed, offsets included
        await publish(producer, needs_topic, phases[2])  # two again, after a rebalance
        deadline = time.monotonic() + 90
        while await applied(database) < len(needs):
            assert time.monotonic() < deadline, f"{await applied(database)} of {len(needs)} applied"
            await asyncio.sleep(0.25)
        await asyncio.sleep(1)  # anything applied twice would be so by now
    finally:
        await producer.stop()
        for each in (first, second, third):
            each.stop()
    print(f"{len(needs):,} needs by 2, 3, then 2 aggregators in {time.monotonic() - started:.0f} s")
    # Taking turns on the bundles of their items, no aggregator had a batch placed again
    # under its items' locks beaten to its bundles, nor fell back to placing its needs one
    # by one.
    for each in (first, second, third):
        assert "aggregator.batch_beaten_again" not in each.log_text(), each.log_tail()
        assert "aggregator.batch_failed" not in each.log_text(), each.log_tail()
    await check_placement(database, needs)
    await the_check_notices_each_flaw(database, needs)


# A flaw the check must notice, and how to undo it.
FLAWS = [
    (
        "UPDATE bundles SET total_quantity = total_quantity + 1 WHERE id = (SELECT min(id) FROM bundles)",
        "UPDATE bundles SET total_quantity = total_quantity - 1 WHERE id = (SELECT min(id) FROM bundles)",
    ),
    (
        "INSERT INTO bundle_decisions (bundle_id, kind, reason, at, need_id, nation) SELECT bundle_id, kind,"
        " 'again', at, need_id, nation FROM bundle_decisions WHERE kind = 'joined' ORDER BY id LIMIT 1",
        "DELETE FROM bundle_decisions WHERE reason = 'again'",
    ),
    (
        "UPDATE bundles SET item_code = (SELECT max(item_code) FROM bundles) WHERE id = (SELECT min(id) FROM bundles"
        " WHERE item_code <> (SELECT max(item_code) FROM bundles))",
        None,
    ),
]


async def the_check_notices_each_flaw(url: str, needs: list[Need]) -> None:
    conn = await asyncpg.connect(infra.plain_dsn(url))
    try:
        for flaw, undo in FLAWS:
            await conn.execute(flaw)
            with pytest.raises(AssertionError):
                await check_placement(url, needs)
            if undo is not None:
                await conn.execute(undo)
                await check_placement(url, needs)
    finally:
        await conn.close()


async def check_placement(url: str, needs: list[Need]) -> None:
    conn = await asyncpg.connect(infra.plain_dsn(url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM needs WHERE status = 'bundled'") == len(needs)
        # Every need in exactly one bundle, the one it names.
        assert await conn.fetchval("SELECT count(*) FROM bundle_lines") == len(needs)
        assert (
            await conn.fetch(
                "SELECT n.id FROM needs n LEFT JOIN bundle_lines l ON l.need_id = n.id"
                " WHERE l.bundle_id IS NULL OR l.bundle_id <> n.bundle_id"
            )
            == []
        )
        # Each need joined once and never left: an event applied twice would take the need
        # out of its bundle and place it again.
        assert (
            await conn.fetch(
                "SELECT need_id FROM bundle_decisions WHERE need_id IS NOT NULL"
                " GROUP BY need_id HAVING count(*) FILTER (WHERE kind = 'joined') <> 1"
                " OR count(*) FILTER (WHERE kind = 'left') <> 0"
            )
            == []
        )
        assert await conn.fetchval("SELECT count(DISTINCT need_id) FROM bundle_decisions") == len(needs)
        # Totals, per bundle and per nation, the sums of the lines.
        assert (
            await conn.fetch(
                "SELECT b.id FROM bundles b LEFT JOIN (SELECT bundle_id, sum(quantity) AS q, count(*) AS c"
                " FROM bundle_lines GROUP BY bundle_id) l ON l.bundle_id = b.id"
                " WHERE b.total_quantity <> coalesce(l.q, 0) OR b.line_count <> coalesce(l.c, 0)"
            )
            == []
        )
        assert (
            await conn.fetch(
                "SELECT s.bundle_id, s.nation FROM bundle_shares s FULL JOIN (SELECT bundle_id, nation,"
                " sum(quantity) AS q, count(*) AS c FROM bundle_lines GROUP BY bundle_id, nation) l"
                " ON l.bundle_id = s.bundle_id AND l.nation = s.nation"
                " WHERE s.quantity IS DISTINCT FROM l.q OR s.need_count IS DISTINCT FROM l.c"
            )
            == []
        )
        # One open bundle per item.
        per_item = await conn.fetch(
            "SELECT item_code, count(*) AS bundles FROM bundles WHERE status IN ('proposed', 'open') GROUP BY item_code"
        )
        assert {r["item_code"] for r in per_item} == {n.item_code for n in needs}
        assert [dict(r) for r in per_item if r["bundles"] != 1] == []
        # Every event recorded as applied, once (the inbox's key would refuse a second).
        assert await conn.fetchval("SELECT count(*) FROM processed_messages WHERE consumer = $1", AGGREGATOR) == len(
            needs
        )
    finally:
        await conn.close()
