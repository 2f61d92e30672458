"""On SQLite a commit runs on the event loop's thread while the disk answers quickly, so
the one writer's turn ends when the disk has answered; on a slow disk it goes to a worker,
so the loop is not held, and it comes back once the disk is quick again."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bundling_shared.sqlite_driver import INLINE_COMMIT_AT_MOST, inline_dbapi


class Disk(sqlite3.Connection):
    """A database file whose commits take `delay` seconds longer, noting the thread.

    The file itself is never synced, so the test's own disk, however slow, adds nothing:
    only `delay` decides whether commits are slow."""

    delay = 0.0
    threads: list[int] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous = OFF")

    def commit(self) -> None:
        Disk.threads.append(threading.get_ident())
        time.sleep(Disk.delay)
        super().commit()


def engine_on(path: Path) -> AsyncEngine:
    return create_async_engine(f"sqlite+aiosqlite:///{path}", module=inline_dbapi(), connect_args={"factory": Disk})


async def commits(engine: AsyncEngine, count: int) -> list[bool]:
    """Writes and commits `count` times; for each commit, whether it ran on this thread."""
    Disk.threads = []
    for i in range(count):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO writes (n) VALUES (:n)"), {"n": i})
    here = threading.get_ident()
    return [thread == here for thread in Disk.threads]


async def prepared(tmp_path: Path) -> AsyncEngine:
    Disk.delay = 0.0
    engine = engine_on(tmp_path / "commits.db")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE writes (n INTEGER)"))
    return engine


async def test_commits_on_a_quick_disk_run_on_the_loops_thread(tmp_path: Path) -> None:
    engine = await prepared(tmp_path)
    try:
        assert await commits(engine, 20) == [True] * 20
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM writes")) == 20
    finally:
        await engine.dispose()


async def test_commits_on_a_slow_disk_go_to_a_worker_and_come_back_when_it_is_quick(tmp_path: Path) -> None:
    engine = await prepared(tmp_path)
    try:
        Disk.delay = INLINE_COMMIT_AT_MOST * 3
        slow = await commits(engine, 20)
        assert slow[0] is True  # nothing measured yet
        assert slow[-10:] == [False] * 10  # the average crossed the limit: a worker commits

        Disk.delay = 0.0
        quick = await commits(engine, 40)
        assert quick[0] is False
        assert quick[-10:] == [True] * 10

        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM writes")) == 60
    finally:
        await engine.dispose()
