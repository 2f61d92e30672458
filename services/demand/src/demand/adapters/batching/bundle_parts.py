"""A bundle's shares, lines and trail: plain rows beside the mapped bundle.

Shares (the running totals per nation) change with every need placed; lines and trail
entries are written as often and never changed in place. All three are plain dataclasses
kept out of the mapping's bookkeeping, which would cost more per need than the rules
themselves. The shares of every bundle read or added are remembered as they were stored
and what changed is written back in a few statements; new lines and trail entries wait
and are inserted together. Both happen before anything reads them and at the commit,
after the bundles themselves (`BundleRepository.write_held`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.repository import Changed, Rows, insert_into
from demand.adapters.batching.bulk_writes import execute_many
from demand.adapters.orm import bundle_decisions, bundle_lines, bundle_shares, bundles
from demand.domain.bundle import Bundle, BundleLine, BundleState, Decision, ListedLine, Share

ShareValues = tuple[Any, ...]
B = TypeVar("B", bound=BundleState)

_SHARE_COLUMNS = [bundle_shares.c[f.name] for f in fields(Share)]
_LINE_COLUMNS = [c.label(c.key) for c in bundle_lines.columns]  # by the lines' field names (value_eur, in cents)
_TRAIL_COLUMNS = [c for c in bundle_decisions.columns if c.key != "id"]

_SHARE_KEY = tuple(str(c.key) for c in bundle_shares.primary_key)
_SHARE_SET = tuple(str(c.key) for c in bundle_shares.columns if not c.primary_key)
_SHARE_MATCHES = and_(
    bundle_shares.c.bundle_id == bindparam("_bundle_id", type_=bundle_shares.c.bundle_id.type),
    bundle_shares.c.nation == bindparam("_nation", type_=bundle_shares.c.nation.type),
)
_SHARES_OF = (  # built once: a bundle is read more often than its shares take to read
    select(bundle_shares.c.bundle_id, *_SHARE_COLUMNS)
    .where(bundle_shares.c.bundle_id.in_(bindparam("bundle_ids", expanding=True)))
    .order_by(bundle_shares.c.bundle_id, bundle_shares.c.nation)
)
# Built once: every read of a bundle's parts writes what is held first, mostly nothing.
_SHARES_NEW, LINES_NEW, TRAIL_NEW = insert(bundle_shares), insert(bundle_lines), insert(bundle_decisions)
_SHARES_GONE = delete(bundle_shares).where(_SHARE_MATCHES)
_SHARES_CHANGED = (
    update(bundle_shares)
    .where(_SHARE_MATCHES)
    .values({c: bindparam(f"_{c.key}", type_=c.type) for c in bundle_shares.columns if not c.primary_key})
)


@functools.cache
def _locked_with_shares() -> Select[Any]:
    """A bundle (`bundle_id`) locked, a row per share (one with none if it has none); built
    at its first use, once `Bundle` is mapped."""
    return (
        select(Bundle, *_SHARE_COLUMNS)
        .outerjoin(bundle_shares, bundle_shares.c.bundle_id == bundles.c.id)
        .where(bundles.c.id == bindparam("bundle_id"))
        .order_by(bundle_shares.c.nation)
        .with_for_update(of=bundles)
    )


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


class BundleParts:
    """The shares, lines and trail entries of the bundles one transaction touches."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Per bundle read or added: the bundle and its shares as stored, by nation.
        self.stored_shares: dict[str, tuple[BundleState, dict[str, ShareValues]]] = {}
        self.new_lines: dict[tuple[str, str], BundleLine] = {}  # by bundle and need
        self.new_trail: list[Decision] = []  # in the order recorded

    def untouched(self) -> bool:
        """No bundle read or added, no line or trail entry: nothing to write."""
        return not self.stored_shares and not self.new_lines and not self.new_trail

    def added(self, bundle: BundleState) -> None:
        """A new bundle: every share it gets is new."""
        self.stored_shares[bundle.id] = (bundle, {})

    def adopted(self, bundle: BundleState) -> None:
        """A bundle whose shares are stored as it has them now (by the batch before)."""
        self.stored_shares[bundle.id] = (bundle, {s.nation: _share_values(s) for s in bundle.shares})

    async def with_shares(self, found: Sequence[B]) -> Sequence[B]:
        """Attaches their shares to bundles read for the first time in this session (a
        bundle read again is the same object, its shares possibly changed meanwhile)."""
        new = {b.id: b for b in found if b.id not in self.stored_shares}
        if not new:
            return found
        shares: dict[str, list[Share]] = {bundle_id: [] for bundle_id in new}
        for bundle_id, *values in (await self._session.execute(_SHARES_OF, {"bundle_ids": list(new)})).all():
            shares[bundle_id].append(Share(*values))
        for bundle_id, bundle in new.items():
            bundle.shares = shares[bundle_id]
            self.stored_shares[bundle_id] = (bundle, {s.nation: _share_values(s) for s in bundle.shares})
        return found

    async def write(self) -> None:
        """What changed in the shares, then the new lines and the trail entries in the
        order they were recorded; the bundles must be written before."""
        await self._write_shares()
        if self.new_lines:
            rows = [vars(line) for line in self.new_lines.values()]
            self.new_lines = {}
            await execute_many(self._session, "lines", LINES_NEW, rows)
        if self.new_trail:
            trail = [vars(decision) for decision in self.new_trail]
            self.new_trail = []
            await execute_many(self._session, "trail", TRAIL_NEW, trail)

    async def read_locked(self, bundle_id: str) -> Bundle | None:
        """The bundle read locked (`FOR UPDATE`, PostgreSQL) with its shares, in one
        statement: an act on a bundle reads both, and each was a round trip of its own."""
        rows = (await self._session.execute(_locked_with_shares(), {"bundle_id": bundle_id})).all()
        if not rows:
            return None
        bundle: Bundle = rows[0][0]
        if bundle.id not in self.stored_shares:
            bundle.shares = [Share(*row[1:]) for row in rows if row[1] is not None]
            self.stored_shares[bundle.id] = (bundle, {s.nation: _share_values(s) for s in bundle.shares})
        return bundle

    def held_rows(self) -> tuple[list[Rows], list[Changed]] | None:
        """What is held, as rows for the commit to write with its own (`_commit_after`): the
        shares changed and new, the new lines and trail entries. On PostgreSQL a desk's
        answer, its bundle's totals and its trail entry then go with its event as one
        statement. None where a share is gone (a need withdrawn), which is deleted."""
        if any(stored.keys() - {s.nation for s in bundle.shares} for bundle, stored in self.stored_shares.values()):
            return None
        new_shares, updated, _ = self._shares_changed()
        changed = [
            Changed(
                None,
                bundle_shares,
                _SHARE_SET,
                _SHARE_KEY,
                {
                    **{f"set_{c}": getattr(share, c) for c in _SHARE_SET},
                    "at_bundle_id": bundle_id,
                    "at_nation": share.nation,
                },
            )
            for bundle_id, share in updated
        ]
        lines, self.new_lines = [vars(line) for line in self.new_lines.values()], {}
        trail, self.new_trail = [vars(decision) for decision in self.new_trail], []
        rows = [
            (insert_into(bundle_shares), new_shares),
            (insert_into(bundle_lines), lines),
            (insert_into(bundle_decisions), trail),
        ]
        return rows, changed

    def take_held(self, stored: Callable[[str], bool]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of the new lines and trail entries of bundles already `stored`, to be
        written now (`batching.ahead`), in the order recorded; those of bundles not yet
        stored wait for them."""
        lines = [key for key, line in self.new_lines.items() if stored(line.bundle_id)]
        rows = [dict(vars(self.new_lines.pop(key))) for key in lines]  # copies: written after this returns
        trail: list[Decision] = []
        held: list[Decision] = []
        for decision in self.new_trail:
            (trail if stored(decision.bundle_id) else held).append(decision)
        self.new_trail = held
        return rows, [dict(vars(decision)) for decision in trail]

    def _shares_changed(self) -> tuple[list[dict[str, Any]], list[tuple[str, Share]], list[dict[str, Any]]]:
        """The shares new, changed (with their bundle's id) and gone since they were stored,
        which are from then on taken as stored."""
        inserts, updated, deletes = [], [], []
        for bundle_id, (bundle, stored) in self.stored_shares.items():
            now = {s.nation: _share_values(s) for s in bundle.shares}
            if now == stored:
                continue
            for share in bundle.shares:
                before = stored.get(share.nation)
                if before is None:
                    inserts.append({"bundle_id": bundle_id, **vars(share)})
                elif before != now[share.nation]:
                    updated.append((bundle_id, share))
            deletes += [{"_bundle_id": bundle_id, "_nation": nation} for nation in stored.keys() - now.keys()]
            self.stored_shares[bundle_id] = (bundle, now)
        return inserts, updated, deletes

    async def _write_shares(self) -> None:
        inserts, updated, deletes = self._shares_changed()
        updates = [{"_bundle_id": b, **{f"_{k}": v for k, v in vars(share).items()}} for b, share in updated]
        await execute_many(self._session, "shares gone", _SHARES_GONE, deletes)
        await execute_many(self._session, "shares changed", _SHARES_CHANGED, updates)
        await execute_many(self._session, "shares new", _SHARES_NEW, inserts)

    def add_line(self, line: BundleLine) -> None:
        self.new_lines[line.bundle_id, line.need_id] = line

    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None:
        if (new := self.new_lines.get((bundle_id, need_id))) is not None:
            return new
        row = (
            await self._session.execute(
                select(*_LINE_COLUMNS).where(bundle_lines.c.bundle_id == bundle_id, bundle_lines.c.need_id == need_id)
            )
        ).first()
        return BundleLine(**row._mapping) if row is not None else None

    async def remove_line(self, line: BundleLine) -> None:
        if self.new_lines.get((line.bundle_id, line.need_id)) is line:
            del self.new_lines[line.bundle_id, line.need_id]
        else:
            await self._session.execute(
                delete(bundle_lines).where(
                    bundle_lines.c.bundle_id == line.bundle_id, bundle_lines.c.need_id == line.need_id
                )
            )

    async def stored_lines(self, bundle_id: str, nation: str | None = None) -> Sequence[BundleLine]:
        """In the order their needs were registered (need ids begin with that time)."""
        query = select(*_LINE_COLUMNS).where(*_of_lines(nation is not None)).order_by(bundle_lines.c.need_id)
        at = {"bundle_id": bundle_id, "nation": nation}
        return [BundleLine(**row._mapping) for row in await self._session.execute(query, at)]

    async def lines_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[list[ListedLine], int]:
        """A page of `stored_lines`, each with what a reader of the bundle sees of it, and
        how many there are."""
        found, total = await self._page(_LINES_PAGE, bundle_id, nation, limit, offset)
        return [ListedLine(**row) for row in found], total

    def record(self, decision: Decision) -> None:
        self.new_trail.append(decision)

    async def stored_trail(self, bundle_id: str, nation: str | None = None) -> Sequence[Decision]:
        """In the order the decisions were recorded."""
        at = {"bundle_id": bundle_id, "nation": nation}
        return [Decision(**row._mapping) for row in await self._session.execute(_TRAIL[nation is not None], at)]

    async def trail_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[list[Decision], int]:
        """A page of `stored_trail` and how many entries there are."""
        found, total = await self._page(_TRAIL_PAGE, bundle_id, nation, limit, offset)
        return [Decision(**row) for row in found], total

    async def _page(
        self, pages: dict[bool, Select[Any]], bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the bundle's part `pages` reads, for all nations or one."""
        at = {"bundle_id": bundle_id, "nation": nation}
        return await read_counted_page(self._session, pages[nation is not None], at, limit=limit, offset=offset)

    async def latest_decision(self, bundle_id: str) -> Decision | None:
        row = (await self._session.execute(_LATEST_DECISION, {"bundle_id": bundle_id})).first()
        return Decision(**row._mapping) if row is not None else None


def _of_lines(one_nation: bool) -> list[ColumnElement[bool]]:
    """A bundle's lines (`bundle_id`), or one nation's among them (`nation`)."""
    of_bundle = bundle_lines.c.bundle_id == bindparam("bundle_id")
    return [of_bundle, bundle_lines.c.nation == bindparam("nation")] if one_nation else [of_bundle]


def _of_trail(one_nation: bool) -> list[ColumnElement[bool]]:
    """A bundle's trail (`bundle_id`), or the entries one nation (`nation`) may read: the
    bundle-wide ones and its own."""
    of_bundle = bundle_decisions.c.bundle_id == bindparam("bundle_id")
    if not one_nation:
        return [of_bundle]
    return [of_bundle, or_(bundle_decisions.c.nation.is_(None), bundle_decisions.c.nation == bindparam("nation"))]


# Built once, for all nations and for one: a page is read more often than its statement takes to build.
_LINES_PAGE = {  # a line is the bundle's and its need's (the primary key)
    one: counted_page(
        [bundle_lines.c[f.name] for f in fields(ListedLine)], _of_lines(one), bundle_lines.c.need_id, _of_lines(False)
    )
    for one in (False, True)
}
_TRAIL = {one: select(*_TRAIL_COLUMNS).where(*_of_trail(one)).order_by(bundle_decisions.c.id) for one in (False, True)}
_TRAIL_PAGE = {one: counted_page(_TRAIL_COLUMNS, _of_trail(one), bundle_decisions.c.id) for one in (False, True)}
_LATEST_DECISION = select(*_TRAIL_COLUMNS).where(*_of_trail(False)).order_by(bundle_decisions.c.id.desc()).limit(1)
