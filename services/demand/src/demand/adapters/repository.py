"""Repositories: needs, the catalogue, bundles with their lines and trail, idempotency keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
from demand.domain.bundle import Bundle, BundleKind, BundleLine, BundleStatus, Decision
from demand.domain.model import Need, NeedStatus, NeedVersion
from demand.domain.reference import CatalogueItem
from demand.service_layer.unit_of_work import BundleFilter, NeedFilter, StoredAnswer


class NeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._placed: dict[str, Need] | None = None

    def add(self, need: Need) -> None:
        self._session.add(need)

    async def get(self, need_id: str) -> Need | None:
        return await self._session.get(Need, need_id)

    async def get_many(self, need_ids: Collection[str]) -> dict[str, Need]:
        """The needs of a whole batch of events in one query.

        In a batch (`batched`) they leave the session, so that no flush compares every
        field of hundreds of needs; `write_held` then writes what placing them changes,
        their status and bundle, in one statement."""
        found = {
            need.id: need for need in await self._session.scalars(select(Need).where(needs.c.id.in_(list(need_ids))))
        }
        if self._placed is not None:
            for need in found.values():
                self._session.expunge(need)
            self._placed.update(found)
        return found

    @contextmanager
    def batched(self) -> Iterator[None]:
        self._placed = {}
        try:
            yield
        finally:
            self._placed = None

    async def write_held(self) -> None:
        if not self._placed:
            return
        rows = [{"_id": n.id, "_status": n.status, "_bundle_id": n.bundle_id} for n in self._placed.values()]
        self._placed = {}
        await self._session.execute(
            update(needs)
            .where(needs.c.id == bindparam("_id"))
            .values(status=bindparam("_status"), bundle_id=bindparam("_bundle_id")),
            rows,
        )

    def _filtered(self, query: Select[Any], f: NeedFilter) -> Select[Any]:
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
        query = self._filtered(select(Need), f).with_only_columns(func.count()).order_by(None)
        return int(await self._session.scalar(query) or 0)

    async def of_item(self, item_code: str) -> AsyncIterator[Need]:
        query = select(Need).where(
            needs.c.item_code == item_code,
            needs.c.status.not_in([NeedStatus.DRAFT, NeedStatus.WITHDRAWN]),
        )
        async for need in await self._session.stream_scalars(query.execution_options(yield_per=1000)):
            yield need

    def add_version(self, version: NeedVersion) -> None:
        self._session.add(version)

    async def history(self, need_id: str) -> Sequence[NeedVersion]:
        query = select(NeedVersion).where(need_versions.c.need_id == need_id).order_by(need_versions.c.version)
        return (await self._session.scalars(query)).all()


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._held: dict[str, CatalogueItem | None] | None = None

    def add(self, item: CatalogueItem) -> None:
        self._session.add(item)

    async def get(self, code: str) -> CatalogueItem | None:
        if self._held is not None:
            if code not in self._held:
                self._held[code] = await self._session.get(CatalogueItem, code)
            return self._held[code]
        return await self._session.get(CatalogueItem, code)

    @contextmanager
    def batched(self) -> Iterator[None]:
        """For a batch of changes in one transaction: each item is read once."""
        self._held = {}
        try:
            yield
        finally:
            self._held = None

    async def list(self, category: str | None, include_retired: bool) -> Sequence[CatalogueItem]:
        query = select(CatalogueItem).order_by(catalogue_items.c.code)
        if category is not None:
            query = query.where(catalogue_items.c.category == category)
        if not include_retired:
            query = query.where(catalogue_items.c.retired_at.is_(None))
        return (await self._session.scalars(query)).all()


class BundleRepository:
    """Bundles through the mapping; their lines and trail through plain statements.

    Lines and trail entries are written often (one of each per placed need) and never
    changed in place, so they are plain dataclasses kept out of the ORM's bookkeeping:
    new ones are held and inserted together, before anything reads them and at commit.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._kept: dict[str, list[Bundle]] | None = None
        self._held_lines: dict[tuple[str, str], BundleLine] = {}
        self._held_trail: list[Decision] = []

    CANDIDATES = 50

    def add(self, bundle: Bundle) -> None:
        self._session.add(bundle)
        kept = self._kept.get(bundle.item_code) if self._kept is not None else None
        if kept is not None and len(kept) < self.CANDIDATES:
            kept.append(bundle)  # the newest: it sorts last, as the query would put it

    async def get(self, bundle_id: str) -> Bundle | None:
        return await self._session.get(Bundle, bundle_id)

    @contextmanager
    def batched(self) -> Iterator[None]:
        """For a batch of changes in one transaction: the candidates of an item are read
        once and then kept in memory, with the bundles opened meanwhile (placing needs
        changes no bundle's status, so the kept list is what the query would answer)."""
        self._kept = {}
        try:
            yield
        finally:
            self._kept = None

    async def write_held(self) -> None:
        """Inserts the held lines, then the trail entries in the order they were recorded
        (after the bundles they belong to)."""
        if not self._held_lines and not self._held_trail:
            return
        await self._session.flush()
        if self._held_lines:
            rows = [vars(line) for line in self._held_lines.values()]
            self._held_lines = {}
            await self._session.execute(insert(bundle_lines), rows)
        if self._held_trail:
            trail = [vars(decision) for decision in self._held_trail]
            self._held_trail = []
            await self._session.execute(insert(bundle_decisions), trail)

    async def candidates(self, item_code: str) -> Sequence[Bundle]:
        """Bundles a new need of the item might join: only these are touched."""
        if self._kept is not None:
            if item_code not in self._kept:
                self._kept[item_code] = list(await self._candidates(item_code))
            return [b for b in self._kept[item_code] if b.joinable]
        return await self._candidates(item_code)

    async def _candidates(self, item_code: str) -> Sequence[Bundle]:
        query = (
            select(Bundle)
            .where(
                bundles.c.item_code == item_code,
                bundles.c.status.in_([BundleStatus.PROPOSED, BundleStatus.OPEN]),
                bundles.c.closed_reason.is_(None),
            )
            .order_by(bundles.c.created_at, bundles.c.id)
            .limit(self.CANDIDATES)
        )
        return (await self._session.scalars(query)).all()

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
        return (await self._session.scalars(query)).all()

    def _filtered(self, query: Select[Any], f: BundleFilter) -> Select[Any]:
        if f.nation is not None:
            query = query.where(
                bundles.c.id.in_(select(bundle_shares.c.bundle_id).where(bundle_shares.c.nation == f.nation))
            )
        if f.status is not None:
            query = query.where(bundles.c.status == f.status)
        if f.item_code is not None:
            query = query.where(bundles.c.item_code == f.item_code)
        if f.kind is not None:
            query = query.where(bundles.c.kind == f.kind)
        return query

    async def list(self, f: BundleFilter, limit: int, offset: int) -> Sequence[Bundle]:
        query = self._filtered(select(Bundle), f).order_by(bundles.c.created_at, bundles.c.id)
        found: Sequence[Bundle] = (await self._session.scalars(query.limit(limit).offset(offset))).all()
        return found

    async def count(self, f: BundleFilter) -> int:
        query = self._filtered(select(Bundle), f).with_only_columns(func.count()).order_by(None)
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
        return (await self._session.scalars(query)).all()

    def add_line(self, line: BundleLine) -> None:
        self._held_lines[line.bundle_id, line.need_id] = line

    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None:
        if (held := self._held_lines.get((bundle_id, need_id))) is not None:
            return held
        row = (
            await self._session.execute(
                select(bundle_lines).where(bundle_lines.c.bundle_id == bundle_id, bundle_lines.c.need_id == need_id)
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
        query = select(bundle_lines).where(bundle_lines.c.bundle_id == bundle_id).order_by(bundle_lines.c.need_id)
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
