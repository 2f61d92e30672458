"""Repositories: needs, the catalogue, bundles with their lines and trail, idempotency keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, bindparam, delete, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnElement

from demand.adapters.bulk import execute_many
from demand.adapters.orm import (
    bundle_decisions,
    bundle_lines,
    bundle_shares,
    bundles,
    catalogue_items,
    idempotency_keys,
    need_versions,
    needs,
)
from demand.adapters.plain_rows import PlainReader
from demand.domain.bundle import Bundle, BundleKind, BundleLine, BundleState, BundleStatus, Decision, Share
from demand.domain.bundling import oldest_first
from demand.domain.model import Need, NeedFacts, NeedStatus, NeedVersion
from demand.domain.reference import CatalogueItem
from demand.service_layer.unit_of_work import BundleFilter, NeedFilter, StoredAnswer

# Columns in the order of the plain dataclasses' fields: rows become objects positionally.
_NEED_FACTS = PlainReader([needs.c[f.name] for f in fields(NeedFacts)], NeedFacts)
_SHARE_COLUMNS = [bundle_shares.c[f.name] for f in fields(Share)]
_LINE_COLUMNS = [c.label(c.key) for c in bundle_lines.columns]  # by the lines' field names (value_eur, in cents)


_PLACED = (
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
_SHARE_MATCHES = and_(
    bundle_shares.c.bundle_id == bindparam("_bundle_id", type_=bundle_shares.c.bundle_id.type),
    bundle_shares.c.nation == bindparam("_nation", type_=bundle_shares.c.nation.type),
)
_SHARES_GONE = delete(bundle_shares).where(_SHARE_MATCHES)
_SHARES_CHANGED = (
    update(bundle_shares)
    .where(_SHARE_MATCHES)
    .values({c: bindparam(f"_{c.key}", type_=c.type) for c in bundle_shares.columns if not c.primary_key})
)


def led_by(party: str) -> ColumnElement[bool]:
    """The bundles `party` leads, as `demand.domain.access.leader` says: the lead it was
    committed under, else the nominated lead, else the nation with the largest share (on a
    tie the later code, as `largest_share` breaks it)."""
    mine, other = bundle_shares.alias("mine"), bundle_shares.alias("other")
    beaten = (
        select(other.c.nation)
        .where(
            other.c.bundle_id == mine.c.bundle_id,
            or_(other.c.quantity > mine.c.quantity, and_(other.c.quantity == mine.c.quantity, other.c.nation > party)),
        )
        .exists()
    )
    largest = (
        select(mine.c.nation)
        .where(mine.c.bundle_id == bundles.c.id, mine.c.nation == party, mine.c.quantity > 0, ~beaten)
        .exists()
    )
    unnominated = or_(bundles.c.nominated_lead.is_(None), bundles.c.nominated_lead == "")
    return or_(
        bundles.c.lead == party,
        and_(bundles.c.lead.is_(None), or_(bundles.c.nominated_lead == party, and_(unnominated, largest))),
    )


Held = TypeVar("Held")


class _HoldsWithinABatch(Generic[Held]):
    """What a batch of changes in one transaction reads once and keeps (`_held`)."""

    _held: dict[str, Held] | None = None

    @contextmanager
    def batched(self) -> Iterator[None]:
        self._held = {}
        try:
            yield
        finally:
            self._held = None


class NeedRepository(_HoldsWithinABatch[NeedFacts]):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, need: Need) -> None:
        self._session.add(need)

    async def get(self, need_id: str) -> Need | None:
        return await self._session.get(Need, need_id)

    async def get_many(self, need_ids: Collection[str]) -> dict[str, Need]:
        found = await self._session.scalars(select(Need).where(needs.c.id.in_(list(need_ids))))
        return {need.id: need for need in found}

    async def held(self, need_ids: Collection[str]) -> dict[str, NeedFacts]:
        """The needs of a whole batch of events in one query, as plain rows: nothing
        compares or tracks their fields; `write_held` writes what placing them changes,
        their status, its reason and bundle, in one statement."""
        if self._held is None:
            raise RuntimeError("needs are held only within writes_held()")
        query = select(*_NEED_FACTS.selected).where(needs.c.id.in_(list(need_ids)))
        rows = (await self._session.execute(query)).all()
        found = {need.id: need for need in _NEED_FACTS.rows(self._session.get_bind().dialect, rows)}
        self._held.update(found)
        return found

    async def write_held(self) -> None:
        if not self._held:
            return
        rows = [
            {"_id": n.id, "_status": n.status, "_bundle_id": n.bundle_id, "_status_reason": n.status_reason}
            for n in self._held.values()
        ]
        self._held = {}
        await execute_many(self._session, "needs placed", _PLACED, rows)

    def _filtered(self, query: Select[Any], f: NeedFilter) -> Select[Any]:
        if f.seen_by is not None:
            seen: list[ColumnElement[bool]] = []
            if f.seen_by.nation is not None:
                seen.append(needs.c.nation == f.seen_by.nation)
            if f.seen_by.lead is not None:
                seen.append(needs.c.bundle_id.in_(select(bundles.c.id).where(led_by(f.seen_by.lead))))
            query = query.where(or_(false(), *seen))
        if f.nation is not None:
            query = query.where(needs.c.nation == f.nation)
        if f.status is not None:
            query = query.where(needs.c.status == f.status)
        if f.item_code is not None:
            query = query.where(needs.c.item_code == f.item_code)
        if f.end_user is not None:
            query = query.where(needs.c.end_user == f.end_user)
        return query

    async def list(self, f: NeedFilter, limit: int, offset: int) -> Sequence[Need]:
        query = self._filtered(select(Need), f).order_by(needs.c.created_at, needs.c.id).limit(limit).offset(offset)
        found: Sequence[Need] = (await self._session.scalars(query)).all()
        return found

    async def count(self, f: NeedFilter) -> int:
        query = self._filtered(select(func.count()).select_from(needs), f)
        return int(await self._session.scalar(query) or 0)

    async def of_item(self, item_code: str) -> AsyncIterator[Need]:
        query = select(Need).where(
            needs.c.item_code == item_code,
            needs.c.status.not_in([NeedStatus.DRAFT, NeedStatus.WITHDRAWN, NeedStatus.UNPLACEABLE]),
        )
        async for need in await self._session.stream_scalars(query.execution_options(yield_per=1000)):
            yield need

    def add_version(self, version: NeedVersion) -> None:
        self._session.add(version)

    async def history(self, need_id: str) -> Sequence[NeedVersion]:
        query = select(NeedVersion).where(need_versions.c.need_id == need_id).order_by(need_versions.c.version)
        return (await self._session.scalars(query)).all()


class CatalogueRepository(_HoldsWithinABatch[CatalogueItem | None]):
    """Each catalogue item is read once within a batch."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, item: CatalogueItem) -> None:
        self._session.add(item)

    async def get(self, code: str) -> CatalogueItem | None:
        if self._held is not None:
            if code not in self._held:
                self._held[code] = await self._session.get(CatalogueItem, code)
            return self._held[code]
        return await self._session.get(CatalogueItem, code)

    async def keep(self, codes: Collection[str]) -> None:
        """Within a batch: reads these items in one query."""
        wanted = [code for code in codes if code not in (self._held or {})]
        if self._held is None or not wanted:
            return
        found = await self._session.scalars(select(CatalogueItem).where(catalogue_items.c.code.in_(wanted)))
        self._held.update(dict.fromkeys(wanted))
        self._held.update({item.code: item for item in found})

    async def list(self, category: str | None, include_retired: bool) -> Sequence[CatalogueItem]:
        query = select(CatalogueItem).order_by(catalogue_items.c.code)
        if category is not None:
            query = query.where(catalogue_items.c.category == category)
        if not include_retired:
            query = query.where(catalogue_items.c.retired_at.is_(None))
        return (await self._session.scalars(query)).all()


ShareValues = tuple[Any, ...]
B = TypeVar("B", bound=BundleState)


def _share_values(share: Share) -> ShareValues:
    return (
        share.quantity,
        share.ukraine_quantity,
        share.value_eur,
        tuple(share.yearly),
        share.need_count,
        share.participation,
        share.confirmed_quantity,
        share.funding_instrument,
    )


class BundleRepository:
    """Bundles through the mapping; their shares, lines and trail through plain statements.

    Shares (the running totals per nation) change with every need placed; lines and
    trail entries are written as often and never changed in place. All three are plain
    dataclasses kept out of the ORM's bookkeeping. The shares of every bundle read or
    added are remembered as they were stored, and what changed is written back in a few
    statements; new lines and trail entries are held and inserted together. Both happen
    before anything reads them and at commit, after the bundles themselves. Within a
    batch (`batched`) the bundles too stay out of the session: read as rows, written
    back by statements that check their revision as the mapping does.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._kept: dict[str, list[BundleState]] | None = None
        self._apart: dict[str, tuple[BundleState, int | None]] | None = None
        self._stored_shares: dict[str, tuple[BundleState, dict[str, ShareValues]]] = {}
        self._held_lines: dict[tuple[str, str], BundleLine] = {}
        self._held_trail: list[Decision] = []
        self._opening: set[str] = set()  # items whose candidates were read again under the lock
        self._locked: set[str] = set()

    CANDIDATES = 50

    def add(self, bundle: Bundle) -> None:
        self._session.add(bundle)
        self._added(bundle)

    def open_for(
        self, need: NeedFacts, *, kind: BundleKind, variant: str, specification_ref: str | None
    ) -> BundleState:
        if self._apart is None:
            bundle = Bundle.open_for(need, kind=kind, variant=variant, specification_ref=specification_ref)
            self.add(bundle)
            return bundle
        plain = BundleState.open_for(need, kind=kind, variant=variant, specification_ref=specification_ref)
        self._apart[plain.id] = (plain, None)
        self._added(plain)
        return plain

    def _added(self, bundle: BundleState) -> None:
        self._stored_shares[bundle.id] = (bundle, {})
        kept = self._kept.get(bundle.item_code) if self._kept is not None else None
        if kept is not None and len(kept) < self.CANDIDATES:
            kept.append(bundle)  # the newest: it sorts last, as the query would put it

    async def _read_apart(self, query: Select[Any]) -> list[BundleState]:
        """Within a batch, bundles are read as rows and kept out of the session, each with
        the revision it was stored with; `_write_apart` writes back those that changed."""
        assert self._apart is not None
        found = []
        for row in await self._session.execute(query):
            known = self._apart.get(row.id)
            if known is None:
                bundle = BundleState(**row._mapping)
                known = self._apart[bundle.id] = (bundle, bundle.revision)
            found.append(known[0])
        await self._with_shares(found)
        return found

    async def _write_apart(self) -> None:
        """Inserts the bundles opened in the batch and updates those that changed, each
        only if it still has the revision it was read with (as the mapping checks it): a
        bundle changed meanwhile by another transaction fails the batch."""
        if not self._apart:
            return
        new, changed = [], []
        for bundle_id, (bundle, revision) in self._apart.items():
            if revision is None:
                new.append({c.key: getattr(bundle, c.key) for c in bundles.columns})
            elif bundle.revision != revision:
                changed.append({"_stored": revision, **{f"_{c.key}": getattr(bundle, c.key) for c in bundles.columns}})
            self._apart[bundle_id] = (bundle, bundle.revision)
        await execute_many(self._session, "bundles new", insert(bundles), new)
        if changed and await execute_many(
            self._session, "bundles changed", _BUNDLE_CHANGED, changed, counted=True
        ) != len(changed):
            raise StaleDataError(f"of {len(changed)} bundles changed in this batch, some were changed meanwhile")

    async def _with_shares(self, found: Sequence[B]) -> Sequence[B]:
        """Attaches their shares to bundles read for the first time in this session (a
        bundle read again is the same object, its shares possibly changed meanwhile)."""
        new = {b.id: b for b in found if b.id not in self._stored_shares}
        if not new:
            return found
        shares: dict[str, list[Share]] = {bundle_id: [] for bundle_id in new}
        query = (
            select(bundle_shares.c.bundle_id, *_SHARE_COLUMNS)
            .where(bundle_shares.c.bundle_id.in_(list(new)))
            .order_by(bundle_shares.c.bundle_id, bundle_shares.c.nation)
        )
        for bundle_id, *values in await self._session.execute(query):
            shares[bundle_id].append(Share(*values))
        for bundle_id, bundle in new.items():
            bundle.shares = shares[bundle_id]
            self._stored_shares[bundle_id] = (bundle, {s.nation: _share_values(s) for s in bundle.shares})
        return found

    async def _write_shares(self) -> None:
        inserts, updates, deletes = [], [], []
        for bundle_id, (bundle, stored) in self._stored_shares.items():
            now = {s.nation: _share_values(s) for s in bundle.shares}
            if now == stored:
                continue
            for share in bundle.shares:
                before = stored.get(share.nation)
                if before is None:
                    inserts.append({"bundle_id": bundle_id, **vars(share)})
                elif before != now[share.nation]:
                    updates.append({"_bundle_id": bundle_id, **{f"_{k}": v for k, v in vars(share).items()}})
            deletes += [{"_bundle_id": bundle_id, "_nation": nation} for nation in stored.keys() - now.keys()]
            self._stored_shares[bundle_id] = (bundle, now)
        await execute_many(self._session, "shares gone", _SHARES_GONE, deletes)
        await execute_many(self._session, "shares changed", _SHARES_CHANGED, updates)
        await execute_many(self._session, "shares new", insert(bundle_shares), inserts)

    async def placed_in(self, bundle_id: str) -> BundleState | None:
        if self._apart is None:
            return await self.get(bundle_id)
        if (known := self._apart.get(bundle_id)) is not None:
            return known[0]
        found = await self._read_apart(select(bundles).where(bundles.c.id == bundle_id))
        return found[0] if found else None

    async def get(self, bundle_id: str) -> Bundle | None:
        bundle = await self._session.get(Bundle, bundle_id)
        if bundle is not None:
            await self._with_shares([bundle])
        return bundle

    @contextmanager
    def batched(self) -> Iterator[None]:
        """For a batch of changes in one transaction: the bundles it touches are read as
        rows, kept out of the session and written back by statements; the candidates of
        an item are read once and then kept in memory, with the bundles opened meanwhile
        (placing needs changes no bundle's status, so the kept list is what the query
        would answer)."""
        self._kept, self._apart = {}, {}
        try:
            yield
        finally:
            self._kept, self._apart = None, None

    async def write_held(self) -> None:
        """Writes the bundles, then what changed in their shares, the held lines and the
        trail entries in the order they were recorded."""
        await self._session.flush()
        await self._write_apart()
        await self._write_shares()
        if self._held_lines:
            rows = [vars(line) for line in self._held_lines.values()]
            self._held_lines = {}
            await execute_many(self._session, "lines", insert(bundle_lines), rows)
        if self._held_trail:
            trail = [vars(decision) for decision in self._held_trail]
            self._held_trail = []
            await execute_many(self._session, "trail", insert(bundle_decisions), trail)

    async def candidates(self, item_code: str) -> Sequence[BundleState]:
        """Bundles a new need of the item might join: only these are touched."""
        if self._kept is not None:
            if item_code not in self._kept:
                await self.keep_candidates([item_code])
            return [b for b in self._kept[item_code] if b.joinable]
        return await self._candidates(item_code)

    async def before_opening(self, item_code: str) -> bool:
        """Two transactions must not each open a bundle for the same item: the second
        waits for the first to commit, then finds its bundle. On PostgreSQL a lock held to
        the end of the transaction, per item (an advisory lock on the item's hash); on
        SQLite, which has one writer at a time, the write lock, taken now rather than at
        the first write. Then the item's candidates are read again.

        A batch takes the locks of all its items at its first opening, in one order: two
        batches taking them one by one in the order of their events could each hold an
        item the other waits for (a deadlock, which would cost one of them its batch)."""
        if item_code in self._opening:
            return False  # this transaction holds the lock already: nothing new since
        self._opening.add(item_code)
        await self._lock_for_opening(item_code)
        if self._kept is None or item_code not in self._kept:
            return True  # outside a batch, candidates are read from the database each time
        kept = self._kept.pop(item_code)
        await self.keep_candidates([item_code])  # the same objects for the bundles read before
        assert self._apart is not None  # kept candidates exist only within a batch
        unstored = [b for b in kept if self._apart[b.id][1] is None]  # opened by this batch, not yet written
        known = {b.id for b in kept}
        self._kept[item_code] = sorted([*self._kept[item_code], *unstored], key=oldest_first)[: self.CANDIDATES]
        return any(b.id not in known for b in self._kept[item_code])

    async def _lock_for_opening(self, item_code: str) -> None:
        if item_code in self._locked:
            return
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            for code in sorted({item_code, *(self._kept or ())} - self._locked):
                key = func.hashtextextended(f"demand.bundle-opening:{code}", 0)
                await self._session.execute(select(func.pg_advisory_xact_lock(key)))
                self._locked.add(code)
        elif dialect == "sqlite":  # one writer at a time: every item is held from here on
            await self._session.execute(delete(bundles).where(false()))  # begins writing: waits for the writer
            self._locked.update({item_code, *(self._kept or ())})

    async def keep_candidates(self, item_codes: Collection[str]) -> None:
        """Within a batch: reads the candidates of all these items in one query."""
        wanted = [code for code in item_codes if code not in (self._kept or {})]
        if self._kept is None or not wanted:
            return
        ranked = (
            select(
                bundles.c.id,
                func.row_number()
                .over(partition_by=bundles.c.item_code, order_by=(bundles.c.created_at, bundles.c.id))
                .label("rank"),
            )
            .where(bundles.c.item_code.in_(wanted), *self._gathering)
            .subquery()
        )
        query = (
            select(bundles)
            .join(ranked, bundles.c.id == ranked.c.id)
            .where(ranked.c.rank <= self.CANDIDATES)
            .order_by(bundles.c.created_at, bundles.c.id)
        )
        kept: dict[str, list[BundleState]] = {code: [] for code in wanted}
        for bundle in await self._read_apart(query):
            kept[bundle.item_code].append(bundle)
        self._kept.update(kept)

    _gathering = (
        bundles.c.status.in_([BundleStatus.PROPOSED, BundleStatus.OPEN]),
        bundles.c.closed_reason.is_(None),
    )

    async def _candidates(self, item_code: str) -> Sequence[Bundle]:
        query = (
            select(Bundle)
            .where(bundles.c.item_code == item_code, *self._gathering)
            .order_by(bundles.c.created_at, bundles.c.id)
            .limit(self.CANDIDATES)
        )
        return await self._with_shares((await self._session.scalars(query)).all())

    async def open_for_item(self, item_code: str) -> Sequence[Bundle]:
        """Bundles still gathering demand or, for frameworks, accessions."""
        query = (
            select(Bundle)
            .where(
                bundles.c.item_code == item_code,
                bundles.c.closed_reason.is_(None),
                or_(
                    bundles.c.status.in_([BundleStatus.PROPOSED, BundleStatus.OPEN]),
                    and_(
                        bundles.c.status == BundleStatus.COMMITTED,
                        bundles.c.kind == BundleKind.FRAMEWORK_CONTRACT,
                    ),
                ),
            )
            .order_by(bundles.c.created_at, bundles.c.id)
        )
        return await self._with_shares((await self._session.scalars(query)).all())

    def _filtered(self, query: Select[Any], f: BundleFilter) -> Select[Any]:
        if f.seen_by is not None:
            seen: list[ColumnElement[bool]] = []
            if f.seen_by.nation is not None:
                nation = f.seen_by.nation
                seen.append(bundles.c.id.in_(select(bundle_shares.c.bundle_id).where(bundle_shares.c.nation == nation)))
            if f.seen_by.lead is not None:
                seen.append(led_by(f.seen_by.lead))
            query = query.where(or_(false(), *seen))
        if f.status is not None:
            query = query.where(bundles.c.status == f.status)
        if f.item_code is not None:
            query = query.where(bundles.c.item_code == f.item_code)
        if f.kind is not None:
            query = query.where(bundles.c.kind == f.kind)
        return query

    async def list(self, f: BundleFilter, limit: int, offset: int) -> Sequence[Bundle]:
        await self.write_held()  # a filter by nation reads the shares
        query = self._filtered(select(Bundle), f).order_by(bundles.c.created_at, bundles.c.id)
        return await self._with_shares((await self._session.scalars(query.limit(limit).offset(offset))).all())

    async def count(self, f: BundleFilter) -> int:
        await self.write_held()
        query = self._filtered(select(func.count()).select_from(bundles), f)
        return int(await self._session.scalar(query) or 0)

    async def due_for_publication(self, changed_before: datetime, pending_before: datetime) -> Sequence[Bundle]:
        query = (
            select(Bundle)
            .where(
                bundles.c.pending_since.is_not(None),
                or_(bundles.c.changed_at <= changed_before, bundles.c.pending_since <= pending_before),
            )
            .order_by(bundles.c.pending_since)
            .limit(100)
        )
        return await self._with_shares((await self._session.scalars(query)).all())

    def add_line(self, line: BundleLine) -> None:
        self._held_lines[line.bundle_id, line.need_id] = line

    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None:
        if (held := self._held_lines.get((bundle_id, need_id))) is not None:
            return held
        row = (
            await self._session.execute(
                select(*_LINE_COLUMNS).where(bundle_lines.c.bundle_id == bundle_id, bundle_lines.c.need_id == need_id)
            )
        ).first()
        return BundleLine(**row._mapping) if row is not None else None

    async def remove_line(self, line: BundleLine) -> None:
        if self._held_lines.get((line.bundle_id, line.need_id)) is line:
            del self._held_lines[line.bundle_id, line.need_id]
        else:
            await self._session.execute(
                delete(bundle_lines).where(
                    bundle_lines.c.bundle_id == line.bundle_id, bundle_lines.c.need_id == line.need_id
                )
            )

    async def lines(self, bundle_id: str, nation: str | None = None) -> Sequence[BundleLine]:
        await self.write_held()
        query = select(*_LINE_COLUMNS).where(bundle_lines.c.bundle_id == bundle_id).order_by(bundle_lines.c.need_id)
        if nation is not None:
            query = query.where(bundle_lines.c.nation == nation)
        return [BundleLine(**row._mapping) for row in await self._session.execute(query)]

    def record(self, decision: Decision) -> None:
        self._held_trail.append(decision)

    async def trail(self, bundle_id: str, nation: str | None = None) -> Sequence[Decision]:
        await self.write_held()
        columns = [c for c in bundle_decisions.columns if c.key != "id"]
        query = select(*columns).where(bundle_decisions.c.bundle_id == bundle_id)
        if nation is not None:
            query = query.where(or_(bundle_decisions.c.nation.is_(None), bundle_decisions.c.nation == nation))
        return [Decision(**row._mapping) for row in await self._session.execute(query.order_by(bundle_decisions.c.id))]


class IdempotencyRepository:
    """Answers already given to a request with an Idempotency-Key, per caller."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, scope: str, key: str) -> StoredAnswer | None:
        row = (
            await self._session.execute(
                select(idempotency_keys).where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
            )
        ).first()
        if row is None:
            return None
        return StoredAnswer(row.fingerprint, row.status_code, row.body)

    async def add(self, scope: str, key: str, answer: StoredAnswer, at: datetime) -> None:
        await self._session.execute(
            idempotency_keys.insert().values(
                scope=scope,
                key=key,
                fingerprint=answer.fingerprint,
                status_code=answer.status_code,
                body=answer.body,
                created_at=at,
            )
        )
