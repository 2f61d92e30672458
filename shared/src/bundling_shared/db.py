"""Database engine and migrations, the same for every service.

SQLite (aiosqlite) is the embedded default for one machine; PostgreSQL (asyncpg) in
production and tests. Schema changes go through each service's Alembic migrations.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from datetime import UTC, datetime
from enum import Enum as PythonEnum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Column, DateTime, Enum, TypeDecorator, event, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only

from bundling_shared.sqlite_driver import inline_dbapi


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


WRITING = ("INSERT", "UPDATE", "DELETE", "REPLACE")
WRITER_WAIT_SECONDS = 30.0  # as long as SQLite's own busy timeout


class OneWriter:
    """On SQLite, the transactions of one process that write take turns in the order they
    asked, on an asyncio lock taken before their first write and given back when their
    connection returns to the pool (after its commit or rollback).

    SQLite has one writer at a time. Left to itself, a transaction that finds the write
    lock taken sleeps in SQLite's busy handler for 1, 2, 5, 10 ms and longer before it
    looks again, however soon the lock is free: under a steady flow of requests, with the
    outbox relay and the Kafka consumers writing in the same process, most requests slept
    there. Waiting on the lock instead wakes the next writer the moment the last one ends.
    Other processes on the same file are still kept apart by SQLite's busy timeout.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def before_execute(self, conn: Any, statement: str) -> None:
        if conn.info.get("writer") or not statement.lstrip()[:7].upper().startswith(WRITING):
            return
        lock = self._lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), WRITER_WAIT_SECONDS))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked: no turn to write within 30 s") from None
        conn.info["writer"] = lock

    def returned(self, record: Any) -> None:
        lock = record.info.pop("writer", None)
        if lock is not None:
            lock.release()

    def install(self, engine: AsyncEngine) -> None:
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            self.before_execute(conn, statement)

        @event.listens_for(engine.sync_engine.pool, "checkin")
        def _returned(_dbapi_conn: Any, record: Any) -> None:
            if record is not None:
                self.returned(record)


def make_engine(url: str, echo: bool = False) -> AsyncEngine:
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        if url.startswith("sqlite+aiosqlite"):
            kwargs["module"] = inline_dbapi()  # its own way of waiting for a busy database
    else:
        # Connections kept open: a service's requests at once, its consumers, its relay and
        # its publisher. A connection beyond them is opened for one transaction and closed
        # after it; under a steady load at the pool's edge every such transaction paid for
        # a connection, its authentication and the driver's reading of the types.
        kwargs.update(pool_size=20, max_overflow=10)
    engine = create_async_engine(url, **kwargs)
    if not is_sqlite(url):

        @event.listens_for(engine.sync_engine, "checkout")
        def _closed_meanwhile(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            """A connection the server closed while it waited in the pool (a restart, an
            administrator) is replaced before it is handed out. The driver knows from its
            socket, so no statement goes to the server for it: a ping was three round trips
            (BEGIN, an empty query, ROLLBACK) before each transaction."""
            driver = record.driver_connection
            if driver is not None and driver.is_closed():
                raise DisconnectionError("the server closed this connection while it was in the pool")

    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            if not url.startswith("sqlite+aiosqlite"):
                cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        OneWriter().install(engine)

    return engine


def text_enum(cls: type[PythonEnum]) -> Enum:
    """A column holding an enumeration's values as text: readable in the database and in
    SQL reports, and a new member needs no ALTER TYPE on PostgreSQL."""
    return Enum(cls, native_enum=False, values_callable=lambda members: [m.value for m in members], length=30)


def required(name: str, kind: Any, *options: Any, **settings: Any) -> Column[Any]:
    """A NOT NULL column, as most are; a column that may stay empty is a plain `Column`."""
    return Column(name, kind, *options, nullable=False, **settings)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def _upgrade(connection: Connection, script_location: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(engine: AsyncEngine, script_location: str, revision: str = "head") -> None:
    """Bring the schema to `revision` with the service's Alembic scripts."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, script_location, revision)


async def migrate_database(database_url: str, script_location: str) -> None:
    """Bring the schema at `database_url` to the latest revision with an engine of its own,
    closed after: what runs before any service holds connections to the database."""
    engine = make_engine(database_url)
    try:
        await migrate(engine, script_location)
    finally:
        await engine.dispose()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerated migrations name plain SQLAlchemy types, so they never depend on
    this module's decorators."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online_from_env(target_metadata: Any) -> None:
    """Body of every service's alembic ``env.py``: reuse a passed connection or open one."""
    from alembic import context

    connection = context.config.attributes.get("connection")

    def do_run(conn: Connection) -> None:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()

    if connection is not None:
        do_run(connection)
        return

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection passed and no sqlalchemy.url configured")

    async def run_async() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database: SQLite keeps no offset, so the
    value is normalised to UTC on the way in and marked UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
