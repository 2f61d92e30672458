"""Per item, the right to open a bundle of it, held to the end of the transaction.

Two transactions must not each open a bundle for the same item (aggregators on other
partitions, a coordinator committing a bundle whose released needs are placed again): the
second waits for the first to commit, then finds its bundle. On PostgreSQL the right is an
advisory lock per item, released by the commit; on SQLite, which has one writer at a time,
it is the write lock, taken when asked for rather than at the first write, and with it
every item is held.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demand.adapters.orm import bundles


class OpeningLocks:
    """The opening locks one transaction holds, and the items it has asked, once under
    their lock, which bundles were opened since it read their candidates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.held: set[str] = set()
        self.asked: set[str] = set()

    async def take(self, item_code: str, others: Collection[str] = ()) -> None:
        """The lock of `item_code` and, at the same time, those of `others` (the other items
        of a batch): all in one order. Taken one by one in the order of their events, two
        batches could each hold an item the other waits for (a deadlock, which would cost
        one of them its batch)."""
        if item_code in self.held:
            return
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            for code in sorted({item_code, *others} - self.held):
                key = func.hashtextextended(f"demand.bundle-opening:{code}", 0)
                await self._session.execute(select(func.pg_advisory_xact_lock(key)))
                self.held.add(code)
        elif dialect == "sqlite":
            await self._session.execute(delete(bundles).where(false()))  # begins writing: waits for the writer
            self.held.update({item_code, *others})

    async def take_all(self, item_codes: Collection[str]) -> None:
        """On PostgreSQL, the locks of all these items not held yet, in one order. A batch
        takes those of its items before their bundles are read: aggregators in other
        processes placing needs of the same items then take turns, each reading the bundles
        as the one before committed them, instead of each finding at its commit that another
        changed them meanwhile and starting again. A batch that began from the bundles the
        batch before handed over (and so took no lock then) takes them before it writes its
        bundles: a batch holding them is never beaten to its bundles by one that does not.
        SQLite has one writer at a time already."""
        missing = set(item_codes) - self.held
        if missing and self._session.get_bind().dialect.name == "postgresql":
            await self.take(min(missing), others=missing)

    def first_asked(self, item_code: str) -> bool:
        """Whether this is the first time, under the item's lock, that the transaction asks
        what was opened meanwhile: once it has read the candidates again under the lock, no
        other transaction opens one before it commits, and the answer stays no."""
        if item_code in self.asked:
            return False
        self.asked.add(item_code)
        return True
