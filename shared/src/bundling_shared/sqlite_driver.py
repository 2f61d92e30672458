"""SQLite for the async engine, run on the event loop's own thread; commits in a worker.

aiosqlite runs SQLite in a thread of its own and hands every call over to it, and
SQLAlchemy's adapter makes a cursor, executes, fetches and closes it in four such trips:
each is a wake-up of that thread through a queue and then of the event loop through its
self-pipe. On a small machine those wake-ups, not SQLite, took most of the CPU of a write
request (a need, its first version, an outbox row and an idempotency record were some
thirty trips), and every one of them waited for the loop to come round again.

A statement on a local SQLite file takes microseconds, so here it runs where it is
called, and its rows are fetched at once. What can take long is handed to a worker
thread, one trip each: a statement that finds the database locked by another process
(the loop never sleeps in SQLite's busy handler; the worker waits, as SQLite's busy
timeout would), and a commit when the disk is slow (`CommitPace`). Writers of one process
take turns on an asyncio lock before they start (`bundling_shared.db.OneWriter`), so they
never find the database locked by each other.

Used by `bundling_shared.db.make_engine` for `sqlite+aiosqlite` URLs (`module=`).
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

T = TypeVar("T")
Outcome = tuple[Any, list[Any] | None, int, int | None]

BUSY_WAIT_SECONDS = 30.0  # as long as a busy timeout of 30 s
INLINE_COMMIT_AT_MOST = 0.002
"""Seconds a commit takes lately, on average, up to which it runs on the loop's thread."""
_workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite")


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """The statement, its rows and what its cursor tells."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _until_free(call: Callable[[], T]) -> T:
    """In a worker: `call` again until no other process holds the database, as SQLite's
    busy handler would, for as long as its busy timeout."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    pause = 0.001
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


async def _at_once() -> None:
    """Awaited, yields nothing to the loop: SQLAlchemy's async engine wants every
    statement to have awaited something, and this is the least there is."""


class CommitPace:
    """How long a database's commits take lately, and so where the next one runs.

    A commit in a worker is not done when the disk is: the worker waits for the
    interpreter's lock to start it and again to hand back its result, and the event loop,
    busy with other requests, holds that lock for up to its switch interval (5 ms) each
    time. Measured under eight desks registering needs at once, a commit of 0.4 ms kept the
    one writer's turn for 2.6 ms, most of it in those two waits, while the other writers
    queued behind it. On the loop's thread the turn ends when the disk has answered; the
    loop waits that long, as it would for any statement. A disk slower than
    `INLINE_COMMIT_AT_MOST` on average would hold the loop too long: its commits go to a
    worker, where they are still timed, and come back when the disk is quick again."""

    WEIGHT = 0.1  # of the latest commit in the average

    def __init__(self) -> None:
        self.average = 0.0

    def inline(self) -> bool:
        return self.average <= INLINE_COMMIT_AT_MOST

    def took(self, seconds: float) -> None:
        self.average += self.WEIGHT * (seconds - self.average)


def _timed(call: Callable[[], None], pace: CommitPace) -> Callable[[], None]:
    def timed() -> None:
        started = time.perf_counter()
        call()
        pace.took(time.perf_counter() - started)

    return timed


def _in_worker(call: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    result: T = await_only(loop.run_in_executor(_workers, _until_free, call))
    return result


class InlineCursor:
    """A DBAPI cursor whose statement has run, and whose rows were read, when it returns."""

    server_side = False

    def __init__(self, connection: InlineConnection) -> None:
        self._conn = connection._connection
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def _execute(self, operation: str, parameters: Any, many: bool) -> None:
        conn = self._conn
        try:
            outcome = _run(conn, operation, parameters, many)
            await_only(_at_once())
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
            outcome = _in_worker(lambda: _run(conn, operation, parameters, many))
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = collections.deque(rows or ())

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._execute(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._execute(operation, seq_of_parameters, many=True)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(size, len(self._rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Nothing stays open on the driver's side: the rows were read with the statement."""

    def setinputsizes(self, *sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass

    def nextset(self) -> None:
        return None


class InlineConnection(AdaptedConnection):
    """A sqlite3 connection used from the loop's thread, and from a worker for a commit or
    a wait for another process's lock: never from both at once, since the one session
    that holds it waits for the worker."""

    __slots__ = ("dbapi",)

    _connection: sqlite3.Connection  # type: ignore[assignment]

    def __init__(self, dbapi: InlineDbapi, connection: sqlite3.Connection) -> None:
        self.dbapi = dbapi
        self._connection = connection

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value  # type: ignore[assignment]

    def create_function(self, *args: Any, **kw: Any) -> None:
        self._connection.create_function(*args, **kw)

    def cursor(self, server_side: bool = False) -> InlineCursor:
        return InlineCursor(self)

    def execute(self, operation: str, parameters: Any = None) -> InlineCursor:
        cursor = self.cursor()
        cursor.execute(operation, parameters)
        return cursor

    def commit(self) -> None:
        """On the loop's thread while the disk answers quickly, else in a worker
        (`CommitPace`); in a worker too when another process holds the database."""
        connection = self._connection
        if not connection.in_transaction:
            await_only(_at_once())
            return
        commit = _timed(connection.commit, self.dbapi.pace)
        if not self.dbapi.pace.inline():
            _in_worker(commit)
            return
        try:
            commit()
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
            _in_worker(commit)
        else:
            await_only(_at_once())

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.rollback()
        if in_greenlet():
            await_only(_at_once())

    def close(self) -> None:
        self._connection.close()

    def terminate(self) -> None:
        self._connection.close()


class InlineDbapi:
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given instead of its adapter of
    aiosqlite: sqlite3's errors and names, connections run inline."""

    paramstyle = "qmark"
    has_stop = True

    def __init__(self) -> None:
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "InterfaceError",
            "InternalError",
            "DataError",
            "Warning",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))
        self.sqlite = sqlite3
        self.pace = CommitPace()  # one database per engine, and one of these per engine

    def connect(self, database: str, **kw: Any) -> InlineConnection:
        kw.pop("async_creator_fn", None)
        kw["timeout"] = 0  # the loop never waits in SQLite's busy handler: a worker does
        kw["check_same_thread"] = False
        connection = _until_free(lambda: sqlite3.connect(database, **kw))
        return InlineConnection(self, connection)


def inline_dbapi() -> InlineDbapi:
    return InlineDbapi()
