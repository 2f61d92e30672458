"""What a commit writes at its end, on both databases: on PostgreSQL a desk's need, its
first version, its idempotency record and its event go to the server as one statement,
the foreign key between the need and its version holding, and alone, without `BEGIN` and
`COMMIT`, when the transaction read nothing before; a key taken meanwhile refuses the
whole commit; many rows go as they did, a statement per table."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bundling_shared.db import make_session_factory
from bundling_shared.repository import TOGETHER_AT_MOST
from bundling_shared.topics import NEEDS
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.domain.need import Need, NeedVersion
from demand.domain.reference import CatalogueItem
from demand.service_layer.unit_of_work import StoredAnswer
from tests.shared.integration.test_outbox import event as need_event
from tests.support.statements import statements_run

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def catalogue_entry(engine: AsyncEngine) -> CatalogueItem:
    async with DemandUnitOfWork(make_session_factory(engine)) as uow:
        item = await uow.catalogue.get("AMMO-155MM")
    assert item is not None
    return item


async def register(
    engine: AsyncEngine,
    count: int,
    key: str,
    item: CatalogueItem | None = None,
    factory: async_sessionmaker[AsyncSession] | None = None,
) -> None:
    """`count` needs, each with its first version and event, and one idempotency record;
    the item read in the same transaction unless given (then it reads nothing)."""
    uow = DemandUnitOfWork(factory or make_session_factory(engine))
    async with uow:
        if item is None:
            item = await uow.catalogue.get("AMMO-155MM")
        for _ in range(count):
            need = Need.register(
                now=NOW,
                item=item,
                nation="NLD",
                item_code="AMMO-155MM",
                quantity=100,
                window_start=date(2030, 1, 1),
                window_end=date(2031, 12, 31),
            )
            uow.needs.add(need)
            uow.needs.add_version(NeedVersion.of(need, "nld-desk", "registered"))
            await uow.emit(NEEDS, need_event(need.id))
        await uow.idempotency.add("NLD", key, StoredAnswer("f", 201, "{}"), NOW)
        await uow.commit()


async def stored(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table.name: int(await conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in (orm.needs, orm.need_versions, orm.idempotency_keys, orm.outbox)
        }


async def test_a_desk_s_registration_is_one_statement_on_postgresql_and_every_row_is_written(
    engine: AsyncEngine,
) -> None:
    with statements_run(engine) as sent:
        await register(engine, 1, "k-1")
    assert await stored(engine) == {"needs": 1, "need_versions": 1, "idempotency_keys": 1, "outbox": 1}
    inserts = [s for s in sent if "INSERT" in s]
    if engine.dialect.name == "postgresql":
        assert len(inserts) == 1, inserts
        assert inserts[0].startswith("WITH")
    else:
        assert len(inserts) == 4, inserts


@contextmanager
def sent_by_the_driver(engine: AsyncEngine) -> Iterator[list[str]]:
    """What the connections opened while inside send as commands of their own, `BEGIN`
    and `COMMIT` among them, which SQLAlchemy's events do not see (PostgreSQL only)."""
    sent: list[str] = []

    def opened(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda logged: sent.append(logged.query.strip()))

    event.listen(engine.sync_engine, "connect", opened)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "connect", opened)


def command_of(query: str) -> str:
    return query.split()[0].rstrip(";").upper()


async def test_a_registration_that_read_nothing_is_a_transaction_of_its_own(engine: AsyncEngine) -> None:
    item = await catalogue_entry(engine)
    await engine.dispose()  # the next connection is opened, and heard, from the start
    if engine.dialect.name == "postgresql":
        with sent_by_the_driver(engine) as commands, statements_run(engine) as sent:
            await register(engine, 1, "k-1", item)
            await asyncio.sleep(0.05)  # the driver tells its listeners on the loop's next turns
            alone = [command_of(c) for c in commands]
            await register(engine, 1, "k-2")  # reads the catalogue first: BEGIN, then COMMIT
            await asyncio.sleep(0.05)
        assert sent[0].startswith("WITH"), sent
        assert "BEGIN" not in alone and "COMMIT" not in alone, commands
        assert [command_of(c) for c in commands[len(alone) :]] == ["BEGIN", "COMMIT"], commands
    else:
        with statements_run(engine) as sent:
            await register(engine, 1, "k-1", item)
        assert len([s for s in sent if s.startswith("INSERT")]) == 4, sent
        await register(engine, 1, "k-2")
    assert await stored(engine) == {"needs": 2, "need_versions": 2, "idempotency_keys": 2, "outbox": 2}


@pytest.mark.parametrize("read_first", [True, False], ids=["read-first", "read-nothing"])
async def test_a_key_taken_refuses_the_whole_commit(engine: AsyncEngine, read_first: bool) -> None:
    item = None if read_first else await catalogue_entry(engine)
    await register(engine, 1, "k-1", item)
    with pytest.raises(IntegrityError):
        await register(engine, 1, "k-1", item)
    assert await stored(engine) == {"needs": 1, "need_versions": 1, "idempotency_keys": 1, "outbox": 1}


async def test_many_rows_go_a_statement_per_table(engine: AsyncEngine) -> None:
    many = TOGETHER_AT_MOST  # with their versions and events, three times as many rows
    with statements_run(engine) as sent:
        await register(engine, many, "k-many")
    assert await stored(engine) == {"needs": many, "need_versions": many, "idempotency_keys": 1, "outbox": many}
    inserts = [s for s in sent if "INSERT" in s]
    assert not any(s.startswith("WITH") for s in inserts)
