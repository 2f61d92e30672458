"""A page and its count in one statement, on both databases: every page is the slice of
the whole list it names, with the list's size, past its end too; and a page near the end
is read from the end, not by stepping past every row before it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.db import make_engine
from tests.support.page_work import page_work

metadata = MetaData()
entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", String(10), nullable=False),
    Column("nation", String(3), nullable=True),
    Column("note", String(40), nullable=False),
    Index("ix_entries_in_order", "list_id", "id", "nation"),  # the columns a page tests, as behind every paged list
)
OF_LIST = entries.c.list_id == bindparam("list_id")
SEEN_BY_NATION = (entries.c.nation.is_(None)) | (entries.c.nation == bindparam("nation"))
PAGE = counted_page([entries.c.note, entries.c.nation], [OF_LIST], entries.c.id)
NATION_PAGE = counted_page([entries.c.note, entries.c.nation], [OF_LIST, SEEN_BY_NATION], entries.c.id)
NATIONS = ["NLD", "DEU", None]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def fill(engine: AsyncEngine, sizes: dict[str, int]) -> None:
    """Lists filled in turns, so that each one's entries lie between the others'."""
    rows: list[dict[str, Any]] = []
    for i in range(max(sizes.values())):
        for list_id, size in sizes.items():
            if i < size:
                rows.append({"list_id": list_id, "nation": NATIONS[i % 3], "note": f"{list_id}-{i}"})
    async with engine.begin() as conn:
        await conn.execute(insert(entries), rows)
        if conn.dialect.name == "postgresql":  # its statistics, as autovacuum gathers them after inserts
            await conn.execute(text("ANALYZE entries"))


async def page(engine: AsyncEngine, limit: int, offset: int, nation: str | None = None) -> tuple[list[str], int]:
    async with AsyncSession(engine) as session:
        statement = PAGE if nation is None else NATION_PAGE
        found, total = await read_counted_page(
            session, statement, {"list_id": "big", "nation": nation}, limit=limit, offset=offset
        )
    return [row["note"] for row in found], total


async def test_every_page_is_its_slice_of_the_list_with_the_lists_size(engine: AsyncEngine) -> None:
    await fill(engine, {"big": 37, "other": 50})
    whole = [f"big-{i}" for i in range(37)]
    for limit in (1, 5, 10, 37, 100):
        for offset in range(0, 42):
            assert await page(engine, limit, offset) == (whole[offset : offset + limit], 37), (limit, offset)


async def test_a_nations_page_holds_the_entries_it_may_read(engine: AsyncEngine) -> None:
    await fill(engine, {"big": 30, "other": 10})
    seen = [f"big-{i}" for i in range(30) if NATIONS[i % 3] in (None, "DEU")]
    for offset in range(0, len(seen) + 3):
        assert await page(engine, 4, offset, nation="DEU") == (seen[offset : offset + 4], len(seen)), offset


async def test_an_empty_list_has_no_page_and_a_size_of_nought(engine: AsyncEngine) -> None:
    await fill(engine, {"other": 5})
    assert await page(engine, 10, 0) == ([], 0)
    assert await page(engine, 10, 7) == ([], 0)


@pytest.mark.parametrize("nation", [None, "DEU"], ids=["every entry", "a nation's"])
async def test_a_page_near_the_end_is_read_from_the_end(
    engine: AsyncEngine, database_url: str, nation: str | None
) -> None:
    """The work a page's statement does besides the count: about a page's worth at either
    end, against stepping past half the list for a page in its middle. Another list's
    entries, all added after this one's, lie between the table's end and this list's last
    entries: a walk of the whole table in the key's order would pass them. The list is an
    eighth of the table, among others as long, and no vacuum has yet marked the table's
    pages as seen by every transaction (reading the index alone then still visits them)."""
    size, limit = 4_000, 50
    await fill(engine, {"big": size, **{f"other-{n}": size for n in range(5)}})
    await fill(engine, {"later": 2 * size})
    statement = PAGE if nation is None else NATION_PAGE

    async def work(limit: int, offset: int) -> int:
        values = {"list_id": "big", "nation": nation, "limit": limit, "offset": offset}
        return await page_work(database_url, engine, statement, values)

    listed = size if nation is None else len([i for i in range(size) if NATIONS[i % 3] in (None, nation)])
    counted_only = await work(0, 0)
    first, middle, last = [await work(limit, offset) - counted_only for offset in (0, listed // 2, listed - limit)]
    assert middle > 3 * first  # the measure sees rows stepped past
    assert last < 1.3 * first, (first, middle, last)
