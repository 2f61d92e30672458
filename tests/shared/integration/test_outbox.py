"""The outbox relay's own rules, on a real database: one publisher at a time on
PostgreSQL, and published rows purged after the retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.topics import NEEDS
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.entrypoints.app import MIGRATIONS
from tests.support.statements import statements_run


def event(need_id: str) -> NeedRegisteredV1:
    e: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need_id,
            nation="NLD",
            item_code="MMR",
            quantity=1,
            delivery_window=DeliveryWindow(start=date(2026, 1, 1), end=date(2027, 1, 1)),
        ),
        aggregate_id=need_id,
        producer="test",
    )
    return e


async def setup(url: str, published: list[tuple[str, bytes]], count: int) -> tuple[Any, OutboxRelay]:
    orm.start_mappers()
    engine = make_engine(url)
    await migrate(engine, MIGRATIONS)

    async def publish(topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> None:
        published.append((topic, key))

    uow = DemandUnitOfWork(make_session_factory(engine))
    async with uow:
        for i in range(count):
            await uow.emit(NEEDS, event(f"need-{i}"))
        await uow.commit()
    return engine, OutboxRelay(engine, orm.outbox, publish, retention=timedelta(hours=1))


async def test_only_one_relay_publishes_at_a_time_on_postgresql(postgres_url: str) -> None:
    published: list[tuple[str, bytes]] = []
    engine, relay = await setup(postgres_url, published, 3)
    other = make_engine(postgres_url)
    async with other.begin() as conn:  # another replica's relay is mid-batch
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": relay._advisory_key})
        assert await relay.publish_pending() == 0
    assert published == []
    assert await relay.publish_pending() == 3
    assert [key for _, key in published] == [b"need-0", b"need-1", b"need-2"]
    await other.dispose()
    await engine.dispose()


async def test_published_rows_are_purged_after_the_retention_and_pending_ones_never(database_url: str) -> None:
    published: list[tuple[str, bytes]] = []
    engine, relay = await setup(database_url, published, 4)
    assert await relay.publish_pending() == 4
    async with engine.begin() as conn:
        await conn.execute(
            update(orm.outbox)
            .where(orm.outbox.c.message_key.in_(["need-0", "need-1"]))
            .values(published_at=datetime.now(UTC) - timedelta(hours=2))
        )
    uow = DemandUnitOfWork(make_session_factory(engine))
    async with uow:
        await uow.emit(NEEDS, event("need-late"))
        await uow.commit()

    assert await relay.purge_published() == 2
    async with engine.connect() as conn:
        keys = (await conn.execute(select(orm.outbox.c.message_key).order_by(orm.outbox.c.id))).scalars().all()
        pending = await conn.scalar(
            select(func.count()).select_from(orm.outbox).where(orm.outbox.c.published_at.is_(None))
        )
    assert keys == ["need-2", "need-3", "need-late"]
    assert pending == 1
    await engine.dispose()


async def test_the_relay_reads_the_outbox_once_per_batch_and_misses_no_commit_made_while_it_publishes(
    database_url: str,
) -> None:
    """After a batch smaller than its size the relay waits to be woken instead of looking
    again, which cost a transaction finding nothing after every batch. A commit made while
    it publishes has woken it: its row goes out at once, not at the next poll."""
    published: list[tuple[str, bytes]] = []
    engine, _ = await setup(database_url, published, 3)
    factory = make_session_factory(engine)
    late_committed = asyncio.Event()

    async def publish(topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> None:
        published.append((topic, key))
        if key == b"need-0":  # a request commits while the first batch is being published
            uow = DemandUnitOfWork(factory, on_commit=relay.wake)
            async with uow:
                await uow.emit(NEEDS, event("need-late"))
                await uow.commit()
            late_committed.set()

    relay = OutboxRelay(engine, orm.outbox, publish, poll_seconds=60, batch_size=10)
    with statements_run(engine) as sent:
        relay.wake()
        running = asyncio.ensure_future(relay.run())
        try:
            async with asyncio.timeout(10):
                while len(published) < 4:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # time enough for a third look, were it taken
        finally:
            relay.stop()
            await asyncio.wait_for(running, 5)
    reads = [s for s in sent if s.startswith("SELECT") and "FROM outbox" in s]
    assert [key for _, key in published] == [b"need-0", b"need-1", b"need-2", b"need-late"]
    assert len(reads) == 2  # one per batch: the three rows, then the one committed meanwhile
    await engine.dispose()
