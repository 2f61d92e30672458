"""Repositories: needs, the catalogue, bundles with their lines and trail, idempotency keys.

Plain repositories over the mapping. A bundle's shares, lines and trail are plain rows
beside it (`batching.bundle_parts`); opening a bundle takes the item's lock
(`batching.locks`). Within a batch of need events the unit of work answers with the
repositories of `batching.cache` instead, which keep what the batch read.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Integer, Select, and_, bindparam, cast, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.repository import Rows, SessionRepository, by_key, claim, insert_into, insert_rows, rows_of
from demand.adapters.batching.bundle_parts import BundleParts
from demand.adapters.batching.locks import OpeningLocks
from demand.adapters.batching.rows import PlainReader
from demand.adapters.orm import (
    bundle_shares,
    bundles,
    catalogue_items,
    idempotency_keys,
    item_demand,
    need_versions,
    needs,
    yearly_of,
)
from demand.adapters.recent_catalogue import RecentCatalogue
from demand.domain.bundle import (
    TAKING_PART,
    Bundle,
    BundleKind,
    BundleLine,
    BundleState,
    BundleStatus,
    Decision,
    ListedLine,
)
from demand.domain.need import AlikeNeeds, EndUser, ListedNeed, Need, NeedFacts, NeedStatus, NeedVersion
from demand.domain.reference import CatalogueItem
from demand.service_layer.unit_of_work import (
    BundleFilter,
    ListedBundle,
    NeedFilter,
    OpenBundle,
    StoredAnswer,
)


@functools.lru_cache(maxsize=256)
def led_by(party: str) -> ColumnElement[bool]:
    """The bundles `party` leads, as `demand.domain.access.leader` says: the lead it was
    committed under, else the nominated lead, else the nation with the largest share (on a
    tie the later code, as `largest_share` breaks it). Built once per party: building the
    expression costs more than the database takes to answer it."""
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


LISTED = (bundles.c.created_at, bundles.c.id)
"""The order bundles are listed in: the oldest first."""


def among(column: ColumnElement[Any], ids: Select[Any], walk: bool) -> ColumnElement[bool]:
    """`column` is one of the ids `ids` selects. The same rows either way; the form tells
    the database which way to read them: walking the outer rows in their order and looking
    each up (`EXISTS`), which soon fills a page when most of them match, or gathering the
    ids first and sorting what they find (`IN`), which costs less when few do."""
    if walk:
        return exists(ids.where(ids.selected_columns[0] == column))
    return column.in_(ids)


NOT_DEMAND = [NeedStatus.DRAFT, NeedStatus.WITHDRAWN, NeedStatus.UNPLACEABLE]
"""Needs that are no demand the engine holds: not yet submitted, taken back, set aside
(the triggers keeping `item_demand`, migration 0007, name the same statuses)."""


class NeedRepository(SessionRepository[Need]):
    """Needs registered and versions recorded are written as plain rows (`write_new`),
    when the transaction commits or before anything is read: they are new, and a flush
    of new mapped objects cost more than the rest of a desk's request. A need added is
    the one `get` gives back in the same transaction."""

    kind = Need

    DENSE = 2_000
    """A lead's needs, when they count at least this many, are paged by walking all needs in
    their order and keeping those of its bundles: the walk soon fills a page. Fewer are
    found through the bundles and sorted, which costs less than a walk past needs that
    are mostly others'."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._new: dict[str, Need] = {}
        self._versions: list[NeedVersion] = []

    def add(self, need: Need) -> None:
        self._new[need.id] = need

    async def get(self, key: str) -> Need | None:
        return self._new.get(key) or await super().get(key)

    async def write_new(self) -> None:
        """Writes the needs added and the versions recorded since the last time, before
        anything is read: they join the session, and a later change is flushed as to any
        need read."""
        new, versions = self._taken()
        if new:
            await insert_rows(self._session, needs, new)
        if versions:
            await insert_rows(self._session, need_versions, versions)

    def take_new(self) -> list[Rows]:
        """The rows of the needs added and the versions recorded since the last time, for
        the commit to write with the rest (`SqlAlchemyUnitOfWorkBase._commit_after`). They
        do not join the session: nothing changes them after the commit, and joining took
        a tenth of the time of a desk's registration."""
        new, versions = self._taken()
        return rows_of(needs, new) + rows_of(need_versions, versions)

    def _taken(self) -> tuple[list[Need], list[NeedVersion]]:
        new, self._new = list(self._new.values()), {}
        versions, self._versions = self._versions, []
        return new, versions

    async def get_many(self, need_ids: Collection[str]) -> dict[str, Need]:
        await self.write_new()
        found = await self._session.scalars(select(Need).where(needs.c.id.in_(list(need_ids))))
        return {need.id: need for need in found}

    async def count(self, f: NeedFilter) -> int:
        """How many needs `f` lets through. A lead's needs, unfiltered, are the lines of
        the bundles it leads: a need is in a bundle exactly while it has a line there (both
        change in the same transaction: `Bundle.join`, `Bundle.leave`, `Bundle.release`),
        except in a cancelled bundle, which keeps its lines as the record of what was
        cancelled while its needs are placed again. So the line counts of the others add up
        to the same number without reading each need."""
        seen = f.seen_by
        if seen is not None and seen.nation is None and seen.lead is not None and f == NeedFilter(seen_by=seen):
            return int(await self._session.scalar(_lines_led_by(seen.lead)) or 0)
        return int(await self._session.scalar(_needs_listed(f, walk=False)[1]) or 0)

    async def page(self, f: NeedFilter, limit: int, offset: int) -> tuple[Sequence[ListedNeed], int]:
        await self.write_new()
        total = await self.count(f)
        if offset >= total:
            return [], total
        walk = f.seen_by is not None and f.seen_by.lead is not None and total >= self.DENSE
        query = _needs_listed(f, walk)[0]
        rows = (await self._session.execute(query, {"limit": limit, "offset": offset})).all()
        return _LISTED.rows(self._session.get_bind().dialect, rows), total

    async def demand_of_item(self, item_code: str) -> Sequence[AlikeNeeds]:
        """From the item's running totals (`item_demand`, kept by the database in step with
        every change of a need), a few rows per nation however many needs there are."""
        await self.write_new()
        return [
            AlikeNeeds(nation, EndUser(end_user), start, end, bool(recurring), yearly_of(text), count, quantity)
            for nation, end_user, start, end, recurring, text, count, quantity in (
                await self._session.execute(_DEMAND_OF_ITEM, {"item_code": item_code})
            ).all()
        ]

    def add_version(self, version: NeedVersion) -> None:
        self._versions.append(version)

    async def history(self, need_id: str, limit: int | None = None, offset: int = 0) -> Sequence[NeedVersion]:
        await self.write_new()
        query = select(NeedVersion).where(need_versions.c.need_id == need_id).order_by(need_versions.c.version)
        return (await self._session.scalars(query.limit(limit).offset(offset))).all()

    async def history_page(self, need_id: str, limit: int, offset: int) -> tuple[Sequence[NeedVersion], int]:
        """The page and the count in one statement (`counted_pages`)."""
        await self.write_new()
        rows, total = await read_counted_page(
            self._session, _HISTORY_PAGE, {"need_id": need_id}, limit=limit, offset=offset
        )
        return [NeedVersion(**row) for row in rows], total


class CatalogueRepository(SessionRepository[CatalogueItem]):
    kind = CatalogueItem

    def __init__(self, session: AsyncSession, recent: RecentCatalogue | None = None) -> None:
        super().__init__(session)
        self._recent = recent

    async def current(self, code: str) -> CatalogueItem | None:
        if self._recent is None:
            return await self.get(code)
        return await self._recent.entry(self._session, code)

    @staticmethod
    def _filtered(query: Select[Any], category: str | None, include_retired: bool) -> Select[Any]:
        if category is not None:
            query = query.where(catalogue_items.c.category == category)
        if not include_retired:
            query = query.where(catalogue_items.c.retired_at.is_(None))
        return query

    async def list(
        self, category: str | None, include_retired: bool, limit: int, offset: int
    ) -> Sequence[CatalogueItem]:
        query = self._filtered(select(CatalogueItem), category, include_retired).order_by(catalogue_items.c.code)
        return (await self._session.scalars(query.limit(limit).offset(offset))).all()

    async def count(self, category: str | None, include_retired: bool) -> int:
        query = self._filtered(select(func.count()).select_from(catalogue_items), category, include_retired)
        return int(await self._session.scalar(query) or 0)


class BundleRepository:
    """Bundles through the mapping, their shares, lines and trail as plain rows beside them."""

    CANDIDATES = 50  # the oldest bundles of an item still gathering that a new need may join
    GATHERING = (  # where a new need may join: the bundle's status and nothing closing it
        bundles.c.status.in_([BundleStatus.PROPOSED, BundleStatus.OPEN]),
        bundles.c.closed_reason.is_(None),
    )

    def __init__(self, session: AsyncSession, parts: BundleParts, locks: OpeningLocks) -> None:
        self._session = session
        self._parts = parts
        self._locks = locks
        self._dense: dict[str, bool] = {}

    def add(self, bundle: Bundle) -> None:
        self._session.add(bundle)
        self._parts.added(bundle)

    async def claim(self, bundle_id: str) -> None:
        """On PostgreSQL the bundle is read locked with its shares, which the act reads next
        (`get` then answers from what was read); on SQLite a write that changes nothing
        takes the database's write lock."""
        if self._session.get_bind().dialect.name == "postgresql":
            await self._parts.read_locked(bundle_id)
            return
        await claim(self._session, bundles.c.id, bundle_id, unchanged=bundles.c.revision)

    async def get(self, bundle_id: str) -> Bundle | None:
        bundle = await by_key(self._session, Bundle, bundle_id)
        if bundle is not None:
            await self._parts.with_shares([bundle])
        return bundle

    def open_for(
        self, need: NeedFacts, *, kind: BundleKind, variant: str, specification_ref: str | None, now: datetime
    ) -> BundleState:
        bundle = Bundle.open_for(need, kind=kind, variant=variant, specification_ref=specification_ref, now=now)
        self.add(bundle)
        return bundle

    async def placed_in(self, bundle_id: str) -> BundleState | None:
        return await self.get(bundle_id)

    async def following(self, agreement_id: str) -> Bundle | None:
        query = select(Bundle).where(bundles.c.follows_on_id == agreement_id).order_by(*LISTED).limit(1)
        found = await self._parts.with_shares((await self._session.scalars(query)).all())
        return found[0] if found else None

    async def candidates(self, item_code: str) -> Sequence[BundleState]:
        query = (
            select(Bundle)
            .where(bundles.c.item_code == item_code, *self.GATHERING)
            .order_by(bundles.c.created_at, bundles.c.id)
            .limit(self.CANDIDATES)
        )
        return await self._parts.with_shares((await self._session.scalars(query)).all())

    async def hold_openings(self, item_code: str) -> None:
        await self._locks.take(item_code)

    async def opened_meanwhile(self, item_code: str) -> bool:
        # The candidates are read from the database each time: reading them is the check.
        return self._locks.first_asked(item_code)

    OPEN = (
        bundles.c.closed_reason.is_(None),
        or_(
            bundles.c.status.in_([BundleStatus.PROPOSED, BundleStatus.OPEN]),
            and_(bundles.c.status == BundleStatus.COMMITTED, bundles.c.kind == BundleKind.FRAMEWORK_CONTRACT),
        ),
    )
    """Still gathering demand or, for frameworks, accessions."""

    async def nearing_deadline(self, today: date, until: date) -> Sequence[Bundle]:
        b = bundles.c
        query = select(Bundle).where(
            b.status == BundleStatus.OPEN,
            b.deadline >= today,
            b.deadline <= until,
            or_(b.deadline_reminded.is_(None), b.deadline_reminded != b.deadline),
        )
        query = query.order_by(*LISTED).with_for_update(of=bundles, skip_locked=True)
        return await self._parts.with_shares((await self._session.scalars(query)).all())

    async def open_for_item(self, item_code: str) -> Sequence[Bundle]:
        query = select(Bundle).where(bundles.c.item_code == item_code, *self.OPEN)
        return await self._parts.with_shares((await self._session.scalars(query.order_by(*LISTED))).all())

    async def open_of_item(self, item_code: str, limit: int) -> tuple[Sequence[OpenBundle], int]:
        """Totals read as columns, the nations counted by the database as `Bundle.nations`
        counts them: the item's bundles as the demand sheet lists them, without loading
        their shares."""
        found = [
            OpenBundle(
                id, BundleKind(kind), BundleStatus(status), total, count,
                kind == BundleKind.FRAMEWORK_CONTRACT and status == BundleStatus.COMMITTED, deadline,
            )
            for id, kind, status, total, count, deadline in await self._session.execute(
                _OPEN_OF_ITEM, {"item_code": item_code, "limit": limit}
            )
        ]  # fmt: skip
        total = len(found)
        if total == limit:
            total = int(await self._session.scalar(_OPEN_OF_ITEM_COUNTED, {"item_code": item_code}) or 0)
        return found, total

    DENSE = 200
    """A nation in at least this many bundles has its page found by walking the bundles in
    their order and keeping those it is in: the walk soon fills a page. A nation in fewer
    has its bundles found through its shares and sorted, which costs less than a walk past
    bundles that are mostly others'. (A desk in each of 1,000 bundles, on SQLite: 0.07 ms for
    a page of 20 walking, 0.55 ms sorting; its count 0.3 and 0.76 ms.)"""

    async def list(self, f: BundleFilter, limit: int, offset: int) -> Sequence[Bundle]:
        page = await self.listed(f, limit, offset)
        found = await self.get_many([b.id for b in page])
        return [found[b.id] for b in page if b.id in found]

    async def listed(self, f: BundleFilter, limit: int, offset: int) -> Sequence[ListedBundle]:
        await self.write_held()  # a filter by nation reads the shares
        query = _bundles_listed(f, await self._walk(f)).stamps
        return [ListedBundle(*row) for row in await self._session.execute(query, {"limit": limit, "offset": offset})]

    async def get_many(self, bundle_ids: Collection[str]) -> dict[str, Bundle]:
        found = (await self._session.scalars(select(Bundle).where(bundles.c.id.in_(list(bundle_ids))))).all()
        return {bundle.id: bundle for bundle in await self._parts.with_shares(found)}

    async def count(self, f: BundleFilter) -> int:
        await self.write_held()
        return int(await self._session.scalar(_bundles_listed(f, await self._walk(f)).counted) or 0)

    async def _walk(self, f: BundleFilter) -> bool:
        """Whether the bundles of the list's nation are many (`DENSE`): counted from its
        shares, a bundle having at most one per nation, from an index alone. (A desk's
        list also shows the bundles its nation leads, which it is almost always in.)"""
        if f.seen_by is None or f.seen_by.nation is None:
            return False
        nation = f.seen_by.nation
        if nation not in self._dense:  # a page and its count, read in one unit of work, ask once
            count = await self._session.scalar(_BUNDLES_OF_NATION, {"nation": nation})
            self._dense[nation] = int(count or 0) >= self.DENSE
        return self._dense[nation]

    async def due_for_publication(self, changed_before: datetime, pending_before: datetime) -> Sequence[Bundle]:
        query = (
            select(Bundle)
            .where(
                bundles.c.pending_since.is_not(None),
                or_(bundles.c.changed_at <= changed_before, bundles.c.pending_since <= pending_before),
            )
            .order_by(bundles.c.pending_since)
            .limit(100)
            .with_for_update(of=bundles, skip_locked=True)
        )
        return await self._parts.with_shares((await self._session.scalars(query)).all())

    def add_line(self, line: BundleLine) -> None:
        self._parts.add_line(line)

    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None:
        return await self._parts.line(bundle_id, need_id)

    async def remove_line(self, line: BundleLine) -> None:
        await self._parts.remove_line(line)

    async def lines(self, bundle_id: str, nation: str | None = None) -> Sequence[BundleLine]:
        await self.write_held()
        return await self._parts.stored_lines(bundle_id, nation)

    async def lines_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[ListedLine], int]:
        await self.write_held()
        return await self._parts.lines_page(bundle_id, nation, limit, offset)

    def record(self, decision: Decision) -> None:
        self._parts.record(decision)

    async def trail(self, bundle_id: str, nation: str | None = None) -> Sequence[Decision]:
        await self.write_held()
        return await self._parts.stored_trail(bundle_id, nation)

    async def trail_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Decision], int]:
        await self.write_held()
        return await self._parts.trail_page(bundle_id, nation, limit, offset)

    async def latest_decision(self, bundle_id: str) -> Decision | None:
        await self.write_held()
        return await self._parts.latest_decision(bundle_id)

    async def write_held(self) -> None:
        """The bundles, then their shares, lines and trail entries."""
        await self._session.flush()
        await self._parts.write()


_ANSWER = select(idempotency_keys).where(
    idempotency_keys.c.scope == bindparam("scope"), idempotency_keys.c.key == bindparam("key")
)
_REMEMBER = insert_into(idempotency_keys)


_BUNDLES_OF_NATION = select(func.count()).where(bundle_shares.c.nation == bindparam("nation"))

# Built once, the demand sheet's statements: building them took longer than the database
# takes to answer them (the sheet is read on every visit of an item's page).
_ALIKE = item_demand.c
_GROUP = (_ALIKE.nation, _ALIKE.end_user, _ALIKE.window_start, _ALIKE.window_end, _ALIKE.recurring, _ALIKE.yearly)
_DEMAND_OF_ITEM = (
    # The slots of a group (eight on PostgreSQL, migration 0007) added up by the database,
    # in the order of the totals' key: a quarter of the rows to read on PostgreSQL.
    select(*_GROUP, func.sum(_ALIKE.need_count), cast(func.sum(_ALIKE.quantity), BigInteger))  # not numeric
    .where(_ALIKE.item_code == bindparam("item_code"))
    .group_by(*_GROUP, _ALIKE.each_quantity)
    .having(func.sum(_ALIKE.need_count) > 0)
)
_IN_IT = or_(bundle_shares.c.need_count > 0, bundle_shares.c.participation.in_(TAKING_PART))
_NATIONS_IN = select(func.count()).where(bundle_shares.c.bundle_id == bundles.c.id, _IN_IT).scalar_subquery()
_OPEN_OF_ITEM = (
    select(bundles.c.id, bundles.c.kind, bundles.c.status, bundles.c.total_quantity, _NATIONS_IN, bundles.c.deadline)
    .where(bundles.c.item_code == bindparam("item_code"), *BundleRepository.OPEN)
    .order_by(*LISTED)
    .limit(bindparam("limit"))
)
_OPEN_OF_ITEM_COUNTED = (
    select(func.count())
    .select_from(bundles)
    .where(bundles.c.item_code == bindparam("item_code"), *BundleRepository.OPEN)
)


class IdempotencyRepository:
    """Answers already given to a request with an Idempotency-Key, per caller. An answer
    added is written with the transaction's other rows as it commits: a key taken
    meanwhile then fails the commit by its uniqueness, and the request is looked up again
    (`answer_once`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: list[dict[str, Any]] = []

    async def get(self, scope: str, key: str) -> StoredAnswer | None:
        connection = await self._session.connection()  # a plain row: no flush, no mapping
        row = (await connection.execute(_ANSWER, {"scope": scope, "key": key})).first()
        if row is None:
            return None
        return StoredAnswer(row.fingerprint, row.status_code, row.body)

    async def add(self, scope: str, key: str, answer: StoredAnswer, at: datetime) -> None:
        self._new.append(
            {
                "scope": scope,
                "key": key,
                "created_at": at,
                "fingerprint": answer.fingerprint,
                "status_code": answer.status_code,
                "body": answer.body,
            }
        )

    def take_new(self) -> list[Rows]:
        """The answers added since the last time, for the commit to write with the rest."""
        new, self._new = self._new, []
        return [(_REMEMBER, new)] if new else []

    async def write_new(self) -> None:
        for statement, rows in self.take_new():
            await (await self._session.connection()).execute(statement, rows)


@functools.lru_cache(maxsize=256)
def _lines_led_by(lead: str) -> Select[Any]:
    """The lines of the bundles `lead` leads, but the cancelled ones (`NeedRepository.count`),
    built once per lead as `_needs_listed`."""
    lines = func.coalesce(func.sum(bundles.c.line_count), 0)
    return select(lines).where(led_by(lead), bundles.c.status != BundleStatus.CANCELLED)


_PAGED = {"limit": bindparam("limit", type_=Integer), "offset": bindparam("offset", type_=Integer)}
"""A page's bounds, given when a statement built once is run."""

_OF_NEED = need_versions.c.need_id == bindparam("need_id")
_HISTORY_PAGE = counted_page(list(need_versions.c), [_OF_NEED], need_versions.c.version, [_OF_NEED])
"""A page of a need's versions and their count: a version is unique within its need."""


def _listed_need(*values: Any) -> ListedNeed:
    *positional, created_at, updated_at = values
    return ListedNeed(*positional, created_at=created_at, updated_at=updated_at)


# The columns in the order `ListedNeed` takes them: its keyword-only moments last.
_LISTED = PlainReader(
    [needs.c[f.name] for f in sorted(fields(ListedNeed), key=lambda f: f.kw_only is True)], _listed_need
)


@functools.lru_cache(maxsize=1024)
def _needs_listed(f: NeedFilter, walk: bool) -> tuple[Select[Any], Select[Any]]:
    """A page of the needs `f` lets through and their count, built once per filter: a
    caller asks with the same few filters again and again, and building and hashing the
    statements took a tenth of the time of a page."""
    c, where = needs.c, _equal((needs.c.nation, f.nation), (needs.c.status, f.status))
    where += _equal((c.item_code, f.item_code), (c.end_user, f.end_user))
    if f.seen_by is not None:
        seen: list[ColumnElement[bool]] = []
        if f.seen_by.nation is not None:
            seen.append(c.nation == f.seen_by.nation)
        if f.seen_by.lead is not None:
            seen.append(among(c.bundle_id, select(bundles.c.id).where(led_by(f.seen_by.lead)), walk))
        where.insert(0, or_(false(), *seen))
    page = select(*_LISTED.selected).where(*where).order_by(c.created_at, c.id)
    return page.limit(_PAGED["limit"]).offset(_PAGED["offset"]), select(func.count()).select_from(needs).where(*where)


class _BundlesListed(NamedTuple):
    stamps: Select[Any]  # a page, each bundle by its `ListedBundle`
    counted: Select[Any]  # how many bundles the list holds


@functools.lru_cache(maxsize=1024)
def _bundles_listed(f: BundleFilter, walk: bool) -> _BundlesListed:
    """A page of the bundles `f` lets through and their count, built once per filter and
    way of reading (`BundleRepository.DENSE`), as `_needs_listed`."""
    b = bundles.c
    where = _equal((b.status, f.status), (b.item_code, f.item_code), (b.kind, f.kind))
    if f.seen_by is not None:
        seen: list[ColumnElement[bool]] = []
        if f.seen_by.nation is not None:
            of_nation = select(bundle_shares.c.bundle_id).where(bundle_shares.c.nation == f.seen_by.nation)
            seen.append(among(b.id, of_nation, walk))
        if f.seen_by.lead is not None:
            seen.append(led_by(f.seen_by.lead))
        where.insert(0, or_(false(), *seen))
    stamps = select(b.id, b.revision, b.contracting_problem).where(*where).order_by(*LISTED)
    return _BundlesListed(
        stamps.limit(_PAGED["limit"]).offset(_PAGED["offset"]), select(func.count()).select_from(bundles).where(*where)
    )


def _equal(*filters: tuple[ColumnElement[Any], object]) -> list[ColumnElement[bool]]:
    """Each filter the caller gave narrows the list; one left out does not."""
    return [column == value for column, value in filters if value is not None]
