"""Transactions that read nothing and come while one is being written are committed
together, on both databases: one statement per table for all of them (one `WITH` on
PostgreSQL); a group that a row refuses is written again one by one, and only the
transaction the row belongs to is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import make_session_factory
from tests.shared.integration.test_commit_rows import catalogue_entry, register, stored
from tests.support.statements import statements_run


@asynccontextmanager
async def writer_held(engine: AsyncEngine) -> AsyncIterator[None]:
    """Another transaction writing while inside: on SQLite it holds the process's turn to
    write; on PostgreSQL a lock on the outbox that every insert into it waits for."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE"))
        else:
            await conn.execute(text("UPDATE outbox SET topic = topic WHERE 1 = 0"))
        yield


async def while_one_is_written(engine: AsyncEngine, acts: list[Awaitable[None]]) -> list[BaseException | None]:
    """`acts` started while another transaction writes, in their order, so that the first
    waits to write and the others wait for it; their outcomes once the writer is gone."""
    async with writer_held(engine):
        tasks = [asyncio.ensure_future(act) for act in acts]
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in tasks)
    return await asyncio.gather(*tasks, return_exceptions=True)


async def test_transactions_that_wait_while_one_is_written_are_committed_together(engine: AsyncEngine) -> None:
    item = await catalogue_entry(engine)
    factory = make_session_factory(engine)
    with statements_run(engine) as sent:
        await register(engine, 1, "alone", item, factory)
    one = len([s for s in sent if s.startswith(("INSERT", "WITH"))])

    with statements_run(engine) as sent:
        outcomes = await while_one_is_written(engine, [register(engine, 1, f"k-{i}", item, factory) for i in range(5)])

    assert outcomes == [None] * 5
    # The first alone, the four that waited for it in one transaction.
    assert len([s for s in sent if s.startswith(("INSERT", "WITH"))]) == 2 * one, sent
    assert await stored(engine) == {"needs": 6, "need_versions": 6, "idempotency_keys": 6, "outbox": 6}


async def test_a_group_a_row_refuses_is_written_one_by_one_and_only_that_transaction_is_refused(
    engine: AsyncEngine,
) -> None:
    item = await catalogue_entry(engine)
    factory = make_session_factory(engine)
    keys = ["first", "k-1", "k-2", "k-1", "k-3"]  # the second "k-1" is a repeat

    outcomes = await while_one_is_written(engine, [register(engine, 1, key, item, factory) for key in keys])

    assert outcomes[:3] == [None] * 3 and outcomes[4] is None, outcomes
    assert isinstance(outcomes[3], IntegrityError), outcomes
    assert await stored(engine) == {"needs": 4, "need_versions": 4, "idempotency_keys": 4, "outbox": 4}


@pytest.mark.parametrize("cancelled", [1, 3], ids=["the-first", "one-waiting"])
async def test_a_transaction_whose_caller_left_leaves_the_others_to_commit(engine: AsyncEngine, cancelled: int) -> None:
    item = await catalogue_entry(engine)
    factory = make_session_factory(engine)
    async with writer_held(engine):
        tasks = [asyncio.ensure_future(register(engine, 1, f"k-{i}", item, factory)) for i in range(1, 5)]
        await asyncio.sleep(0.3)
        tasks[cancelled - 1].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[cancelled - 1], asyncio.CancelledError), outcomes
    assert [o for i, o in enumerate(outcomes) if i != cancelled - 1] == [None] * 3
    assert await stored(engine) == {"needs": 3, "need_versions": 3, "idempotency_keys": 3, "outbox": 3}
