"""The base of every service's SQLAlchemy unit of work.

One transaction holds the handler's state change, the events it stages in the outbox and
the processed-message record of the event it consumed: all commit or none does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bundling_shared.clock import Clock, SystemClock
from bundling_shared.errors import ChangedMeanwhile
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.group_commit import commits_together
from bundling_shared.messaging import inbox, outbox
from bundling_shared.repository import (
    Changed,
    Rows,
    changes_of,
    changes_written,
    insert_into,
    inserts_together,
    rows_changed,
)
from bundling_shared.topics import Topic


def _write_and_commit(
    session: Session,
    rows: Sequence[Rows],
    kinds: frozenset[type[Any]] = frozenset(),
    plain: Sequence[Changed] = (),
) -> None:
    """The session's changed objects first, then the plain rows, which may refer to them
    (a framework made in the transaction and its call-offs), and the plain rows changed
    (`plain`: a bundle's running totals per nation), then the commit.

    A transaction that read nothing and writes its rows as one statement (a desk's need
    checked against the catalogue in memory: the need, its version, its idempotency
    record and its event) sends that statement alone, as a transaction of its own: the
    server runs a statement all or nothing, so `BEGIN` and `COMMIT` would only add two
    round trips to the one that writes, each costing the service a write to its socket.
    One that read first and changed only columns of objects of `kinds` (a framework's
    totals after a call-off) sends those changes in the same statement as its new rows on
    PostgreSQL, and as plain updates before them on SQLite: no flush either way."""
    written = [(statement, batch) for statement, batch in rows if batch]
    dialect, read_first = session.get_bind().dialect.name, session.in_transaction()
    changed = changes_of(session, kinds) if written and read_first and kinds else None
    together = inserts_together(dialect, written, [*plain, *(changed or ())]) if written else None
    if together is not None and not read_first and not plain:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(
            together.statement, together.values
        )
    elif written or plain:
        if changed is None:
            session.flush()  # the objects' changes, where they are not plain changes of columns
        connection = session.connection()
        if together is None:
            rows_changed(connection, changed or ())
            for statement, batch in written:
                connection.execute(statement, batch[0] if len(batch) == 1 else batch)
            rows_changed(connection, plain)
        elif any(count != 1 for count in connection.execute(together.statement, together.values).one()):
            raise StaleDataError("a row this transaction changes was changed or removed meanwhile")
        changes_written(changed or ())
    session.commit()


async def _write_rows(session: AsyncSession, rows: Sequence[Rows]) -> None:
    await session.run_sync(_write_and_commit, rows)


class SqlAlchemyUnitOfWorkBase:
    """A service's unit of work names its two messaging tables and opens its repositories;
    the transaction, the outbox, the inbox and the clock are the same everywhere."""

    session: AsyncSession
    outbox_table: ClassVar[Table]
    processed_table: ClassVar[Table]
    changed_together: ClassVar[frozenset[type[Any]]] = frozenset()
    """Kinds of object whose changed columns go with a commit's new rows (`_write_and_commit`)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] = lambda: None,
        clock: Clock | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._on_commit = on_commit
        self._staged: list[dict[str, Any]] = []
        self.clock: Clock = clock or SystemClock()

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._staged = []
        self._open_repositories(self.session)
        return self

    def _open_repositories(self, session: AsyncSession) -> None:
        """Subclasses attach their repositories to the session here."""

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends an uncommitted transaction (rolling it back) without expiring the
        # loaded objects, so handlers can still read what they return after the block.
        await self.session.close()
        if isinstance(exc, StaleDataError):  # a write found its row changed since it was read
            raise ChangedMeanwhile("changed by another request at the same time; read it again and retry") from exc

    async def commit(self) -> None:
        await self._commit_after(())

    async def _commit_after(self, rows_first: Sequence[Rows], changed_first: Sequence[Changed] = ()) -> None:
        """Writes `rows_first`, then the outbox rows of the events staged, and commits: in
        one pass into SQLAlchemy's synchronous core rather than one per statement, each of
        which costs about as much as a short insert on SQLite. A transaction that read
        nothing and changed no object is committed with those that come meanwhile
        (`bundling_shared.group_commit`)."""
        staged, self._staged = self._staged, []
        rows = [*rows_first, (insert_into(self.outbox_table), staged)] if staged else list(rows_first)
        session = self.session
        read_nothing = rows and not changed_first and not session.in_transaction()
        if read_nothing and not (session.new or session.dirty or session.deleted):
            # Read nothing and changed no object: committed with others that come meanwhile.
            await commits_together(self._session_factory, _write_rows).commit(session, rows)
        else:
            await session.run_sync(_write_and_commit, rows, self.changed_together, changed_first)
        if staged:
            self._on_commit()

    async def emit(self, topic: Topic, event: EventEnvelope[Any]) -> None:
        """Stage `event` for publication when (and only if) this unit of work commits. Its
        outbox row is written with the commit, with the other rows of the transaction in
        one statement: the writes of a transaction come together at its end, and on
        SQLite the write lock is held for no longer than they take."""
        self._staged.append(outbox.row(topic, event))

    async def already_processed(self, consumer: str, event_id: UUID) -> bool:
        return await inbox.already_processed(self.session, self.processed_table, consumer, event_id)

    async def mark_processed(self, consumer: str, event_id: UUID) -> None:
        await inbox.mark_processed(self.session, self.processed_table, consumer, event_id)


class MessagingUnitOfWork(Protocol):
    """What every service's handlers need from a unit of work besides its repositories:
    the transaction, the outbox and the inbox. Services extend it with their repositories."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...
    async def commit(self) -> None: ...
    async def emit(self, topic: Topic, event: EventEnvelope[Any]) -> None: ...
    async def already_processed(self, consumer: str, event_id: UUID) -> bool: ...
    async def mark_processed(self, consumer: str, event_id: UUID) -> None: ...
