"""A page and its count in one statement, on both databases: every page is the slice of
the whole list it names, with the list's size, past its end too; and a page near the end
is read from the end, not by stepping past every row before it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.db import make_engine

metadata = MetaData()
entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", String(10), nullable=False),
    Column("nation", String(3), nullable=True),
    Column("note", String(40), nullable=False),
    Index("ix_entries_in_order", "list_id", "id"),  # as behind every list read in pages
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


async def test_a_page_near_the_end_is_read_from_the_end(engine: AsyncEngine, database_url: str) -> None:
    """The work a page's statement does besides the count: about a page's worth at either
    end, against stepping past half the list for a page in its middle."""
    size, limit = 4_000, 50
    await fill(engine, {"big": size, "other": 500})
    work = ExplainedWork(engine) if database_url.startswith("postgresql") else SqliteSteps(database_url)
    counted_only = await work.of(0, 0)
    first, middle, last = [await work.of(limit, offset) - counted_only for offset in (0, size // 2, size - limit)]
    assert middle > 3 * first  # the measure sees rows stepped past
    assert last < 1.3 * first, (first, middle, last)


class ExplainedWork:
    """PostgreSQL: the most rows any scan under a `LIMIT` returned (the page's reads; the
    count is read by a scan of its own, under no limit)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def of(self, limit: int, offset: int) -> int:
        compiled = PAGE.compile(self._engine)
        values = {**compiled.params, "list_id": "big", "limit": limit, "offset": offset}
        positional = tuple(values[name] for name in compiled.positiontup or [])
        async with self._engine.connect() as conn:
            explained = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", positional)
            plan = explained.scalar_one()
        tree = plan if isinstance(plan, list) else json.loads(plan)
        return max(_rows_under_limits(tree[0]["Plan"], under_limit=False), default=0)


def _rows_under_limits(node: dict[str, Any], under_limit: bool) -> list[int]:
    under_limit = under_limit or node["Node Type"] == "Limit"
    own = [int(node["Actual Rows"]) * int(node["Actual Loops"])] if under_limit and "Scan" in node["Node Type"] else []
    return own + [n for child in node.get("Plans", []) for n in _rows_under_limits(child, under_limit)]


class SqliteSteps:
    """SQLite: the virtual machine's steps to answer the statement, counted by its progress
    handler on a connection of its own to the same file."""

    def __init__(self, database_url: str) -> None:
        self._path = database_url.split("///", 1)[1]

    async def of(self, limit: int, offset: int) -> int:
        from sqlalchemy.dialects import sqlite

        compiled = PAGE.compile(dialect=sqlite.dialect())
        values = {**compiled.params, "list_id": "big", "limit": limit, "offset": offset}
        positional = [values[name] for name in compiled.positiontup or []]
        steps = 0

        def counted() -> int:
            nonlocal steps
            steps += 1
            return 0

        with sqlite3.connect(self._path) as conn:
            conn.set_progress_handler(counted, 10)
            conn.execute(str(compiled), positional).fetchall()
        return steps
