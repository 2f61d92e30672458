"""Writing a batch's rows while it is still being placed, on PostgreSQL.

Placing a batch's needs is the interpreter's work; writing what it changed (the needs'
new status, the lines, the trail entries) is the database server's, and used to begin
only once every need was placed: each waited for the other. Here the rows of the needs
placed so far go to the server in a task of their own, in the same transaction, while
the placement goes on; what is left is written at the batch's end as before.

The statements run on asyncpg's connection itself, holding the lock SQLAlchemy's adapter
takes around every statement it runs on that connection: a query of the placement (a
bundle's lines, an opening lock) waits until the rows sent before it are written, and
so reads them. The transaction's commit or rollback takes no such lock: the batch waits
for the task (`settle`, `abandon`) before either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from demand.adapters.batching.bulk_writes import Rows, Statement, execute_on_driver


class WritesAhead:
    """The transaction's connection to the server, and the rows being written on it."""

    def __init__(self, dialect: Any, adapted: Any, driver: Any) -> None:
        self._dialect = dialect
        self._lock: asyncio.Lock = adapted._execute_mutex
        self._driver = driver
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def of(cls, session: AsyncSession) -> WritesAhead | None:
        """For the session's connection on PostgreSQL, None elsewhere (SQLite has the
        interpreter's thread write its rows: nothing would run beside the placement)."""
        connection = await session.connection()
        if connection.dialect.name != "postgresql":
            return None
        raw = await connection.get_raw_connection()
        adapted, driver = raw.dbapi_connection, raw.driver_connection
        if not isinstance(getattr(adapted, "_execute_mutex", None), asyncio.Lock) or driver is None:
            return None  # another adapter: the rows wait for the batch's end
        return cls(connection.dialect, adapted, driver)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    async def write(self, statements: Sequence[tuple[str, Statement, Rows]]) -> None:
        """Sends `statements` (named as `execute_many` names them) in this order, in a task:
        the connection is the task's from now on until they are written. The one before
        must be settled."""
        await self.settle()
        await self._lock.acquire()  # here, not in the task: no query of the caller comes first
        self._task = asyncio.ensure_future(self._written(statements))
        await asyncio.sleep(0)  # the task sends its first statement now

    async def _written(self, statements: Sequence[tuple[str, Statement, Rows]]) -> None:
        try:
            for key, statement, rows in statements:
                await execute_on_driver(self._driver, self._dialect, key, statement, rows)
        finally:
            self._lock.release()

    async def settle(self) -> None:
        """Waits until what was sent is written; raises what writing it raised."""
        task, self._task = self._task, None
        if task is not None:
            await task

    async def abandon(self) -> None:
        """The batch failed: waits until the connection is free again, whatever the
        writing came to (the rollback undoes it)."""
        task, self._task = self._task, None
        if task is None:
            return
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # retrieved: the rollback undoes what it wrote, the batch's own error is raised
