"""The catalogue's entries as this process read them last, for checking a desk's new need.

Every need registered read its item's entry from the database, a statement on the write
path of each request, while the catalogue changes a few times a year. An entry read is
kept for `FRESH_SECONDS` and handed to the checks as a copy no session holds. A change
this process commits (an item added, retired or harmonised) empties the memory at once;
one committed by another replica of the service is seen within `FRESH_SECONDS`, as if
the need had come that much earlier.
"""

from __future__ import annotations

import time
import weakref
from copy import deepcopy
from dataclasses import fields
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from demand.adapters.orm import catalogue_items
from demand.domain.reference import CatalogueItem

FRESH_SECONDS = 1.0
MAX_ENTRIES = 10_000  # far more items than the catalogue holds
_ENTRY = select(catalogue_items).where(catalogue_items.c.code == bindparam("code"))
_CHANGED = "catalogue changed"  # in a session's info: it flushed a change to an entry


class RecentCatalogue:
    """The entries of one database (one session factory), by code, with when each was read."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, CatalogueItem]] = {}
        self._generation = 0  # counts the changes committed: a reading older than one is not kept

    def forget(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def entry(self, session: AsyncSession, code: str) -> CatalogueItem | None:
        """The item (None: not in the catalogue) as read at most `FRESH_SECONDS` ago: a copy
        to read, not to change."""
        now = time.monotonic()
        known = self._entries.get(code)
        if known is not None and now - known[0] < FRESH_SECONDS:
            return known[1]
        generation = self._generation
        connection = await session.connection()
        row = (await connection.execute(_ENTRY, {"code": code})).first()
        if row is None:
            return None  # not remembered: any code may be asked for, the catalogue's are few
        item = _item_of(row._mapping)
        if generation == self._generation:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[code] = (now, item)
        return item


def _item_of(row: Any) -> CatalogueItem:
    return CatalogueItem(**{f.name: deepcopy(row[f.name]) for f in fields(CatalogueItem)})


_BY_FACTORY: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], RecentCatalogue] = weakref.WeakKeyDictionary()


def recent_catalogue(factory: async_sessionmaker[AsyncSession]) -> RecentCatalogue:
    """The memory of the database `factory` opens sessions on, one per factory."""
    recent = _BY_FACTORY.get(factory)
    if recent is None:
        recent = _BY_FACTORY[factory] = RecentCatalogue()
    return recent


def _forget_all() -> None:
    for recent in list(_BY_FACTORY.values()):
        recent.forget()


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    """A session that flushed a change to an entry empties the memory when it flushes (no
    reading in between is kept) and when it commits: of every database, which costs a
    reading each and saves telling them apart."""
    if any(isinstance(o, CatalogueItem) for o in chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True
        _forget_all()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _forget_all()
