"""Benchmark of a page of a bundle's trail and lines, read as the service reads them (the
count and the page in one statement, from the nearer end: `bundling_shared.counted_pages`)
against the way before it (the count, then the page by `OFFSET` from the start, two
statements), alternated request by request in one run on the same database.

The database is seeded as `bench/api_read.py` seeds it (one big bundle of `--big` lines
and as many trail entries, among other bundles). Each read runs in a session of its own,
as a request's does; printed per list, reader (the lead, every entry; a nation desk, the
bundle-wide entries and its own) and page (first, middle, last): the median time of each
way and their ratio.

    uv run python bench/counted_pages.py                         # SQLite
    uv run python bench/counted_pages.py --postgres postgresql+asyncpg://bundling:bundling@127.0.0.1:54349/postgres
    uv run python bench/counted_pages.py --big 2000 --repeats 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_read import _drop, seed
from bench.servers import fresh_database
from bundling_shared.db import make_engine
from demand.adapters.batching.bundle_parts import BundleParts
from demand.adapters.orm import bundle_decisions, bundle_lines

PAGE = 50
DESK = "NLD"


def _offset_pages(table: Any, key: Any, columns: list[Any], nation_test: Any) -> dict[bool, tuple[Select[Any], Any]]:
    """The way before, for all nations and for one: the page from the start by `OFFSET`,
    and the count in a statement of its own."""
    ways = {}
    for one in (False, True):
        where = [table.c.bundle_id == bindparam("bundle_id")] + ([nation_test] if one else [])
        page = select(*columns).where(*where).order_by(key).limit(bindparam("limit")).offset(bindparam("offset"))
        ways[one] = (page, select(func.count()).select_from(table).where(*where))
    return ways


_TRAIL_BEFORE = _offset_pages(
    bundle_decisions,
    bundle_decisions.c.id,
    [c for c in bundle_decisions.columns if c.key != "id"],
    or_(bundle_decisions.c.nation.is_(None), bundle_decisions.c.nation == bindparam("nation")),
)
_LINES_BEFORE = _offset_pages(
    bundle_lines,
    bundle_lines.c.need_id,
    [bundle_lines.c.need_id, bundle_lines.c.nation, bundle_lines.c.quantity, bundle_lines.c.reason],
    bundle_lines.c.nation == bindparam("nation"),
)


async def _before(
    engine: AsyncEngine, ways: dict[bool, tuple[Select[Any], Any]], bundle: str, nation: str | None, offset: int
) -> int:
    page, count = ways[nation is not None]
    at = {"bundle_id": bundle, "nation": nation}
    async with AsyncSession(engine) as session:
        rows = (await session.execute(page, {**at, "limit": PAGE, "offset": offset})).all()
        await session.scalar(count, at)
    return len(rows)


async def _now(engine: AsyncEngine, list_name: str, bundle: str, nation: str | None, offset: int) -> int:
    async with AsyncSession(engine) as session:
        parts = BundleParts(session)
        read = parts.trail_page if list_name == "trail" else parts.lines_page
        found, _ = await read(bundle, nation, PAGE, offset)
    return len(found)


async def _timed(read: Awaitable[int]) -> float:
    started = time.perf_counter()
    await read
    return time.perf_counter() - started


async def measure(database_url: str, bundle: str, sizes: dict[tuple[str, str], int], repeats: int) -> None:
    engine = make_engine(database_url)
    print(f"  {'list, reader, page':34} {'before ms':>10} {'now ms':>8} {'now / before':>13}")
    try:
        for (list_name, reader), size in sizes.items():
            nation = None if reader == "lead" else DESK
            ways = _TRAIL_BEFORE if list_name == "trail" else _LINES_BEFORE
            for page, offset in (("first", 0), ("middle", size // 2), ("last", max(size - PAGE, 0))):
                before, now = [], []
                for _ in range(repeats):  # alternated, so that the machine's swings fall on both
                    before.append(await _timed(_before(engine, ways, bundle, nation, offset)))
                    now.append(await _timed(_now(engine, list_name, bundle, nation, offset)))
                b, n = statistics.median(before) * 1000, statistics.median(now) * 1000
                label = f"{list_name}, {reader}, {page} (offset {offset:,})"
                print(f"  {label:34} {b:10.2f} {n:8.2f} {n / b:12.0%}", flush=True)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL maintenance URL: a database of its own is created there")
    parser.add_argument("--needs", type=int, default=30_000)
    parser.add_argument("--bundles", type=int, default=200)
    parser.add_argument("--big", type=int, default=10_000, help="lines of the one big bundle")
    parser.add_argument("--repeats", type=int, default=200, help="reads of each way per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url = asyncio.run(fresh_database(args.postgres)) if args.postgres else f"sqlite+aiosqlite:///{tmp}/demand.db"
        try:
            seeded = asyncio.run(seed(url, args.needs, args.bundles, args.big))
            sizes = {
                ("trail", "lead"): seeded.trail["lead"],
                ("trail", "desk"): seeded.trail["desk"],
                ("lines", "lead"): seeded.lines["lead"],
                ("lines", "desk"): seeded.lines["desk"],
            }
            where = "PostgreSQL" if args.postgres else "SQLite"
            print(
                f"a page of {PAGE} of the big bundle's trail and lines on {where}: {seeded.lines['lead']:,} lines,"
                f" {seeded.trail['lead']:,} trail entries ({seeded.lines['desk']:,} and {seeded.trail['desk']:,}"
                f" for the {DESK} desk); median of {args.repeats} reads each, alternated"
            )
            asyncio.run(measure(url, seeded.big_bundle, sizes, args.repeats))
        finally:
            if args.postgres:
                asyncio.run(_drop(args.postgres, url))


if __name__ == "__main__":
    main()
