"""What one batch of need events reads once and keeps to its end.

A batch places hundreds of needs in one transaction (`DemandUnitOfWork.batch`). Its needs
are read in one query as plain facts, the catalogue entries of their items in another,
the bundles they may join in a third; from then on the repositories below answer from
what was read. The bundles stay out of the session, read as rows each with the revision
it was stored with, and what placing changed is written back at the end by a few
statements: the needs' status, reason and bundle, the new and changed bundles (each only
if it still has the revision it was read with, as the mapping checks it), then their
shares, lines and trail entries.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from demand.adapters.batching.ahead import WritesAhead
from demand.adapters.batching.bulk_writes import execute_many
from demand.adapters.batching.bundle_parts import LINES_NEW, TRAIL_NEW, BundleParts
from demand.adapters.batching.locks import OpeningLocks
from demand.adapters.batching.rows import PlainReader, one_of
from demand.adapters.orm import bundles, catalogue_items, needs
from demand.adapters.repository import NOT_DEMAND, BundleRepository, CatalogueRepository, NeedRepository
from demand.domain.bundle import BundleKind, BundleState
from demand.domain.bundling import oldest_first
from demand.domain.need import NeedFacts
from demand.domain.reference import CatalogueItem

# Columns in the order of the plain dataclass's fields: rows become objects positionally.
_NEED_FACTS = PlainReader([needs.c[f.name] for f in fields(NeedFacts)], NeedFacts)

_NEEDS_PLACED = (
    update(needs)
    .where(needs.c.id == bindparam("_id", type_=needs.c.id.type))
    .values(
        status=bindparam("_status", type_=needs.c.status.type),
        bundle_id=bindparam("_bundle_id", type_=needs.c.bundle_id.type),
        status_reason=bindparam("_status_reason", type_=needs.c.status_reason.type),
    )
)
_BUNDLE_CHANGED = (
    update(bundles)
    .where(
        bundles.c.id == bindparam("_id", type_=bundles.c.id.type),
        bundles.c.revision == bindparam("_stored", type_=bundles.c.revision.type),
    )
    .values({c: bindparam(f"_{c.key}", type_=c.type) for c in bundles.columns if not c.primary_key})
)

BUNDLE_FIELDS = [column.label(column.key) for column in bundles.columns]
"""A bundle's columns under the names of its fields (a price is kept in cents under
another name): a row builds a `BundleState` as it is."""


class NeedsInBatch(NeedRepository):
    """The batch's needs, read as plain facts: nothing compares or tracks their fields."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.facts: dict[str, NeedFacts] = {}
        self.written: set[str] = set()  # written ahead (`take_placed`) at least once
        self.placed: set[str] = set()  # placed since they were last written ahead
        self.outside: set[str] = set()  # stored with a status that is no demand (`NOT_DEMAND`)

    async def read(self, need_ids: Collection[str]) -> dict[str, NeedFacts]:
        dialect = self._session.get_bind().dialect
        query = select(*_NEED_FACTS.selected).where(one_of(needs.c.id, need_ids, dialect))
        rows = (await self._session.execute(query)).all()
        found = {need.id: need for need in _NEED_FACTS.rows(dialect, rows)}
        self.facts.update(found)
        self.outside.update(need.id for need in found.values() if need.status in NOT_DEMAND)
        return found

    def take_placed(self, any_status: bool) -> list[dict[str, Any]]:
        """The rows of the needs placed since the last call, to be written now; placed
        again later in the batch, a need is written again at its end. Unless `any_status`,
        only those still demand or still none: a need going in or out of demand changes
        its item's totals (`item_demand`, kept by triggers), rows the transaction must not
        lock before the batch before it has committed, as that batch may wait for them."""
        taken = [
            need_id
            for need_id in self.placed
            if need_id in self.facts
            and (any_status or (self.facts[need_id].status in NOT_DEMAND) == (need_id in self.outside))
        ]
        self.placed.difference_update(taken)
        self.written.update(taken)
        return [_placed(self.facts[need_id]) for need_id in taken]

    async def write_back(self) -> None:
        """What placing changes, their status, its reason and their bundle, in one statement:
        of the needs not written ahead, or placed again since."""
        if not self.facts:
            return
        written, placed = self.written, self.placed
        rows = [_placed(n) for n in self.facts.values() if n.id not in written or n.id in placed]
        self.facts, self.written, self.placed, self.outside = {}, set(), set(), set()
        await execute_many(self._session, "needs placed", _NEEDS_PLACED, rows)


def _placed(n: NeedFacts) -> dict[str, Any]:
    return {"_id": n.id, "_status": n.status, "_bundle_id": n.bundle_id, "_status_reason": n.status_reason}


class CatalogueInBatch(CatalogueRepository):
    """Each catalogue item is read once within a batch."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.entries: dict[str, CatalogueItem | None] = {}  # None: a code the catalogue does not hold

    async def get(self, code: str) -> CatalogueItem | None:
        if code not in self.entries:
            self.entries[code] = await super().get(code)
        return self.entries[code]

    async def read(self, codes: Collection[str]) -> None:
        """These items, in one query."""
        wanted = [code for code in codes if code not in self.entries]
        if not wanted:
            return
        found = await self._session.scalars(select(CatalogueItem).where(catalogue_items.c.code.in_(wanted)))
        self.entries.update(dict.fromkeys(wanted))
        self.entries.update({item.code: item for item in found})

    async def harmonised_meanwhile(self) -> bool:
        """Whether an item read got another harmonised specification since: its needs
        were placed by the one it had."""
        read = {code: item.specification_ref for code, item in self.entries.items() if item is not None}
        if not read:
            return False
        query = select(catalogue_items.c.code, catalogue_items.c.specification_ref)
        rows = await self._session.execute(query.where(catalogue_items.c.code.in_(read)))
        return any(read[code] != reference for code, reference in rows)


class BundlesInBatch(BundleRepository):
    """The bundles a batch touches, as plain objects out of the session. The candidates of
    an item are read once and then kept in memory, with the bundles opened meanwhile
    (placing needs changes no bundle's status, so the kept list is what the query would
    answer)."""

    def __init__(self, session: AsyncSession, parts: BundleParts, locks: OpeningLocks) -> None:
        super().__init__(session, parts, locks)
        self.candidates_of: dict[str, list[BundleState]] = {}  # per item, oldest first, as the query orders them
        self.known: dict[str, BundleState] = {}  # every bundle read or opened, one object per id
        self.stored_revision: dict[str, int | None] = {}  # as read or last written; None: opened, not yet stored

    def open_for(
        self, need: NeedFacts, *, kind: BundleKind, variant: str, specification_ref: str | None, now: datetime
    ) -> BundleState:
        bundle = BundleState.open_for(need, kind=kind, variant=variant, specification_ref=specification_ref, now=now)
        self.known[bundle.id], self.stored_revision[bundle.id] = bundle, None
        self._parts.added(bundle)
        kept = self.candidates_of.get(bundle.item_code)
        if kept is not None and len(kept) < self.CANDIDATES:
            kept.append(bundle)  # the newest: it sorts last, as the query would put it
        return bundle

    async def placed_in(self, bundle_id: str) -> BundleState | None:
        if (known := self.known.get(bundle_id)) is not None:
            return known
        found = await self._read(select(*BUNDLE_FIELDS).where(bundles.c.id == bundle_id))
        return found[0] if found else None

    async def candidates(self, item_code: str) -> Sequence[BundleState]:
        if item_code not in self.candidates_of:
            await self.read_candidates([item_code])
        return [b for b in self.candidates_of[item_code] if b.joinable]

    async def read_candidates(self, item_codes: Collection[str]) -> None:
        """The candidates of all these items, in one query."""
        wanted = [code for code in item_codes if code not in self.candidates_of]
        if not wanted:
            return
        ranked = (
            select(
                bundles.c.id,
                func.row_number()
                .over(partition_by=bundles.c.item_code, order_by=(bundles.c.created_at, bundles.c.id))
                .label("rank"),
            )
            .where(bundles.c.item_code.in_(wanted), *self.GATHERING)
            .subquery()
        )
        query = (
            select(*BUNDLE_FIELDS)
            .select_from(bundles)
            .join(ranked, bundles.c.id == ranked.c.id)
            .where(ranked.c.rank <= self.CANDIDATES)
            .order_by(bundles.c.created_at, bundles.c.id)
        )
        kept: dict[str, list[BundleState]] = {code: [] for code in wanted}
        for bundle in await self._read(query):
            kept[bundle.item_code].append(bundle)
        self.candidates_of.update(kept)

    async def hold_openings(self, item_code: str) -> None:
        await self._locks.take(item_code, others=self.candidates_of)

    async def hold_items(self, item_codes: Collection[str]) -> None:
        await self._locks.take_all(item_codes)

    async def opened_meanwhile(self, item_code: str) -> bool:
        """The item's candidates read again under its lock, the same objects for the
        bundles read before, with those this batch opened and has not yet written."""
        if not self._locks.first_asked(item_code):
            return False  # read again under the lock already: nothing new since
        if item_code not in self.candidates_of:
            return True  # never read: they will be, under the lock
        kept = self.candidates_of.pop(item_code)
        await self.read_candidates([item_code])
        unstored = [b for b in kept if self.stored_revision[b.id] is None]
        before = {b.id for b in kept}
        again = sorted([*self.candidates_of[item_code], *unstored], key=oldest_first)[: self.CANDIDATES]
        self.candidates_of[item_code] = again
        return any(b.id not in before for b in again)

    def adopt(self, handed: Handed, items: Collection[str], bundle_ids: Collection[str]) -> None:
        """Of the bundles another batch handed over, those of these items or among these
        bundles (the only ones this batch may touch), each copied as it will be stored once
        that batch commits (with the revision it will have then), and the candidates of
        these items."""
        copies = {}
        for bundle_id, bundle in handed.bundles.items():
            if bundle.item_code in items or bundle_id in bundle_ids:
                copies[bundle_id] = copy.deepcopy(bundle)  # the other batch still writes its own
        for bundle in copies.values():
            self.known[bundle.id], self.stored_revision[bundle.id] = bundle, bundle.revision
            self._parts.adopted(bundle)
        self.candidates_of.update(
            {item: [copies[i] for i in ids] for item, ids in handed.candidates.items() if item in items}
        )

    def held_for_stored(self, pending: Collection[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of new lines and trail entries that may be written now: those of bundles
        already stored and not `pending` (the others, of bundles opened in this batch or by
        a batch before it not yet committed, wait for them)."""
        stored = self.stored_revision
        return self._parts.take_held(lambda bundle_id: stored.get(bundle_id) is not None and bundle_id not in pending)

    async def _read(self, query: Select[Any]) -> list[BundleState]:
        found = []
        for row in await self._session.execute(query):
            bundle = self.known.get(row.id)
            if bundle is None:
                bundle = self.known[row.id] = BundleState(**row._mapping)
                self.stored_revision[row.id] = bundle.revision
            found.append(bundle)
        await self._parts.with_shares(found)
        return found

    async def write_held(self) -> None:
        await self.hold_items({b.item_code for b in self.known.values() if b.revision != self.stored_revision[b.id]})
        await self._session.flush()
        await self._write_bundles()
        await self._parts.write()

    async def _write_bundles(self) -> None:
        """Inserts the bundles opened in the batch and updates those that changed: a bundle
        changed meanwhile by another transaction fails the batch."""
        new, changed = [], []
        for bundle_id, bundle in self.known.items():
            revision = self.stored_revision[bundle_id]
            if revision is None:
                new.append({c.key: getattr(bundle, c.key) for c in bundles.columns})
            elif bundle.revision != revision:
                changed.append({"_stored": revision, **{f"_{c.key}": getattr(bundle, c.key) for c in bundles.columns}})
            self.stored_revision[bundle_id] = bundle.revision
        await execute_many(self._session, "bundles new", insert(bundles), new)
        if changed and await execute_many(
            self._session, "bundles changed", _BUNDLE_CHANGED, changed, counted=True
        ) != len(changed):
            raise StaleDataError(f"of {len(changed)} bundles changed in this batch, some were changed meanwhile")


@dataclass(frozen=True)
class Handed:
    """A batch's bundles as it left them (by id; the next batch copies those it needs) and
    the candidates of each item it read, oldest first: what the next batch starts from
    (`BatchCache.adopt`)."""

    bundles: dict[str, BundleState]
    candidates: dict[str, list[str]]
    opened: set[str]  # not stored before the batch that handed them over commits


class BatchCache:
    """The repositories of one batch, and what it reads up front. On PostgreSQL, the rows
    of the needs placed are written while the next ones are placed (`batching.ahead`)."""

    AHEAD_ROWS = 200  # needs placed before their rows are sent; fewer cost more statements than they save
    YIELD_EVERY = 16  # needs placed between turns given to the rows being sent

    def __init__(self, session: AsyncSession, parts: BundleParts, locks: OpeningLocks) -> None:
        self.needs = NeedsInBatch(session)
        self.catalogue = CatalogueInBatch(session)
        self.bundles = BundlesInBatch(session, parts, locks)
        self._session = session
        self._ahead: WritesAhead | None = None
        self._ahead_asked = False
        self._since_turn = 0
        self._stored: asyncio.Future[bool] | None = None  # with bundles adopted: once they are stored
        self._pending: set[str] = set()  # adopted bundles the batch before opened: stored once it commits

    async def read_needs(self, need_ids: Collection[str]) -> dict[str, NeedFacts]:
        return await self.needs.read(need_ids)

    async def read_items(self, item_codes: Collection[str], *, held: bool = False) -> None:
        if held:
            await self.bundles.hold_items(item_codes)
        await self.catalogue.read(item_codes)
        await self.bundles.read_candidates(item_codes)

    async def placed(self, need_id: str) -> None:
        """The event of this need is applied. Now and then the task writing rows gets a
        turn (placing needs by itself awaits nothing) and, once it is done and enough
        needs were placed, the rows of those placed so far are sent."""
        self.needs.placed.add(need_id)
        self._since_turn += 1
        if self._since_turn < self.YIELD_EVERY:
            return
        self._since_turn = 0
        if not self._ahead_asked:
            self._ahead_asked = True
            self._ahead = await WritesAhead.of(self._session)
        ahead = self._ahead
        if ahead is None:
            return
        if ahead.busy:
            await asyncio.sleep(0)
            return
        if len(self.needs.placed) < self.AHEAD_ROWS:
            return
        stored = self._stored is None or (self._stored.done() and self._stored.result())
        if not stored and self._stored is not None and self._stored.done():
            return  # the batch before did not commit: this one is placed again, nothing to send
        lines, trail = self.bundles.held_for_stored(() if stored else self._pending)
        await ahead.write(
            [
                ("needs placed", _NEEDS_PLACED, self.needs.take_placed(any_status=stored)),
                ("lines", LINES_NEW, lines),
                ("trail", TRAIL_NEW, trail),
            ]
        )

    def handoff(self) -> Handed:
        """The bundles as the batch left them: placing is over, they change no more."""
        bundles = self.bundles
        candidates = {item: [bundle.id for bundle in kept] for item, kept in bundles.candidates_of.items()}
        opened = {bundle_id for bundle_id, revision in bundles.stored_revision.items() if revision is None}
        if not (self._stored is None or (self._stored.done() and self._stored.result())):
            opened |= self._pending  # opened by the batch before, which has not committed yet
        return Handed(dict(bundles.known), candidates, opened)

    def adopt(self, handed: object, stored: asyncio.Future[bool]) -> None:
        """Starts from the bundles another batch handed over, as if read from the database
        once it has committed them. Until `stored` says it has, the rows written ahead are
        those that neither name a bundle it opened nor move a need in or out of demand."""
        assert isinstance(handed, Handed)
        needs = self.needs.facts.values()
        self.bundles.adopt(handed, {n.item_code for n in needs}, {n.bundle_id for n in needs if n.bundle_id})
        self._stored, self._pending = stored, set(handed.opened)

    async def abandon(self) -> None:
        """The batch failed: the rows being written are let be (the rollback undoes them)."""
        if self._ahead is not None:
            await self._ahead.abandon()

    async def write_back(self) -> None:
        if self._ahead is not None:
            await self._ahead.settle()
        if self._stored is not None and await self.catalogue.harmonised_meanwhile():
            # Begun from the bundles the batch before handed over, this batch read its items
            # before it could hold them. A bundle it opened for a need apart from the
            # harmonised ones waited for its item's lock, perhaps behind the adoption of the
            # very specification that need asked for: the adoption placed again the needs
            # stored by then, not this one. The batch is placed again from what is stored.
            raise StaleDataError("an item of this batch got another harmonised specification meanwhile")
        await self.needs.write_back()
        await self.needs.write_new()
        await self.bundles.write_held()
