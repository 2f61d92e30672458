"""Transactions that read nothing, committed together when they come at the same time.

A desk registering a need reads nothing in its transaction and writes a few plain rows:
the need, its first version, its idempotency record and its event. Under load, on SQLite,
such transactions queue for the one writer: with eight desks at once, each turn of the
write lock found seven to nine others waiting, and every turn was a `BEGIN`, four
statements, a commit and a hand-over of the lock that waits for the event loop to come
round to the next writer. Rows of transactions that waited while one was written go in
one transaction after it: one turn of the lock, one commit, each statement once for the
rows of all (on PostgreSQL one statement for all, where it was one each).

A group commits all or nothing. If it fails (an idempotency key taken twice, a row
refused), each of its transactions is written again alone, in the order they came, and
each gets the outcome it would have had alone. A transaction that finds nobody writing is
written at once in its own session, as without grouping: alone, nothing waits longer.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bundling_shared.logging import get_logger
from bundling_shared.repository import Rows

log = get_logger(__name__)

Write = Callable[[AsyncSession, Sequence[Rows]], Awaitable[None]]
"""Writes the rows in the session and commits: the unit of work's own way."""

GROUP_AT_MOST = 64
"""Transactions in one group: a group's statement stays of a size the server plans quickly."""


@dataclass(eq=False)
class _Waiting:
    rows: Sequence[Rows]
    written: asyncio.Future[None]

    @property
    def statements(self) -> tuple[int, ...]:
        return tuple(id(statement) for statement, _ in self.rows)


class CommitsTogether:
    """The transactions of one database (one session factory) on one event loop that
    read nothing: at most one of them, or one group, is being written at a time."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], write: Write) -> None:
        self._factory = factory
        self._write = write
        self._waiting: list[_Waiting] = []
        self._busy = False
        self._writer: asyncio.Task[None] | None = None  # held: the loop keeps only a weak reference
        self.loop = asyncio.get_running_loop()

    async def commit(self, session: AsyncSession, rows: Sequence[Rows]) -> None:
        """Writes `rows` and commits, alone in `session` if nothing is being written, or
        else with the transactions waiting beside it once that write is done."""
        if self._busy:
            waiting = _Waiting(rows, self.loop.create_future())
            self._waiting.append(waiting)
            await waiting.written
            return
        self._busy = True
        try:
            await self._write(session, rows)
        finally:
            self._next()

    def _next(self) -> None:
        if self._waiting:
            # In a context of its own: the group is no one request's (its trace, its logs).
            self._writer = self.loop.create_task(self._write_waiting(), context=contextvars.Context())
        else:
            self._busy = False

    async def _write_waiting(self) -> None:
        group: list[_Waiting] = []
        try:
            while self._waiting:
                group, self._waiting = self._waiting[:GROUP_AT_MOST], self._waiting[GROUP_AT_MOST:]
                await self._write_group([w for w in group if not w.written.done()])  # done: its caller left
        finally:  # stopped while writing (the service shutting down): nobody waits for ever
            for waiting in [*group, *self._waiting]:
                waiting.written.cancel()
            self._waiting = []
            self._busy = False

    async def _write_group(self, group: list[_Waiting]) -> None:
        alike = [w for w in group if w.statements == group[0].statements]
        if len(alike) > 1 and await self._written_together(alike):
            group = [w for w in group if w not in alike]
        for waiting in group:
            try:
                async with self._factory() as session:
                    await self._write(session, waiting.rows)
            except Exception as error:  # its caller's, raised there
                _settle(waiting, error)
            else:
                _settle(waiting)

    async def _written_together(self, alike: list[_Waiting]) -> bool:
        """Whether the rows of `alike`, each statement once for the rows of all, were
        committed; if not, nothing of them was."""
        first = alike[0].rows
        merged = [(statement, [row for w in alike for row in w.rows[i][1]]) for i, (statement, _) in enumerate(first)]
        try:
            async with self._factory() as session:
                await self._write(session, merged)
        except Exception as error:  # each is written again alone, and gets its own outcome
            log.debug("group_commit.refused", transactions=len(alike), error=type(error).__name__)
            return False
        for waiting in alike:
            _settle(waiting)
        return True


def _settle(waiting: _Waiting, error: Exception | None = None) -> None:
    if waiting.written.done():
        return
    if error is None:
        waiting.written.set_result(None)
    else:
        waiting.written.set_exception(error)


_BY_FACTORY: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], CommitsTogether] = weakref.WeakKeyDictionary()


def commits_together(factory: async_sessionmaker[AsyncSession], write: Write) -> CommitsTogether:
    """The grouping of `factory`'s transactions on the running loop (a test's loop is new)."""
    together = _BY_FACTORY.get(factory)
    if together is None or together.loop is not asyncio.get_running_loop():
        together = _BY_FACTORY[factory] = CommitsTogether(factory, write)
    return together
