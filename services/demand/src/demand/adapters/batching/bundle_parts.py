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

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from demand.adapters.batching.bulk_writes import execute_many
from demand.adapters.orm import bundle_decisions, bundle_lines, bundle_shares
from demand.domain.bundle import BundleLine, BundleState, Decision, Share

ShareValues = tuple[Any, ...]
B = TypeVar("B", bound=BundleState)

_SHARE_COLUMNS = [bundle_shares.c[f.name] for f in fields(Share)]
_LINE_COLUMNS = [c.label(c.key) for c in bundle_lines.columns]  # by the lines' field names (value_eur, in cents)
_TRAIL_COLUMNS = [c for c in bundle_decisions.columns if c.key != "id"]

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

    def added(self, bundle: BundleState) -> None:
        """A new bundle: every share it gets is new."""
        self.stored_shares[bundle.id] = (bundle, {})

    async def with_shares(self, found: Sequence[B]) -> Sequence[B]:
        """Attaches their shares to bundles read for the first time in this session (a
        bundle read again is the same object, its shares possibly changed meanwhile)."""
        new = {b.id: b for b in found if b.id not in self.stored_shares}
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
            self.stored_shares[bundle_id] = (bundle, {s.nation: _share_values(s) for s in bundle.shares})
        return found

    async def write(self) -> None:
        """What changed in the shares, then the new lines and the trail entries in the
        order they were recorded; the bundles must be written before."""
        await self._write_shares()
        if self.new_lines:
            rows = [vars(line) for line in self.new_lines.values()]
            self.new_lines = {}
            await execute_many(self._session, "lines", insert(bundle_lines), rows)
        if self.new_trail:
            trail = [vars(decision) for decision in self.new_trail]
            self.new_trail = []
            await execute_many(self._session, "trail", insert(bundle_decisions), trail)

    async def _write_shares(self) -> None:
        inserts, updates, deletes = [], [], []
        for bundle_id, (bundle, stored) in self.stored_shares.items():
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
            self.stored_shares[bundle_id] = (bundle, now)
        await execute_many(self._session, "shares gone", _SHARES_GONE, deletes)
        await execute_many(self._session, "shares changed", _SHARES_CHANGED, updates)
        await execute_many(self._session, "shares new", insert(bundle_shares), inserts)

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

    async def stored_lines(
        self, bundle_id: str, nation: str | None = None, limit: int | None = None, offset: int = 0
    ) -> Sequence[BundleLine]:
        """In the order their needs were registered (need ids begin with that time)."""
        query = _of_lines(select(*_LINE_COLUMNS), bundle_id, nation).order_by(bundle_lines.c.need_id)
        return [BundleLine(**row._mapping) for row in await self._session.execute(query.limit(limit).offset(offset))]

    async def count_lines(self, bundle_id: str, nation: str | None = None) -> int:
        return int(await self._session.scalar(_of_lines(select(func.count()), bundle_id, nation)) or 0)

    def record(self, decision: Decision) -> None:
        self.new_trail.append(decision)

    async def stored_trail(
        self, bundle_id: str, nation: str | None = None, limit: int | None = None, offset: int = 0
    ) -> Sequence[Decision]:
        """In the order the decisions were recorded."""
        query = _of_trail(select(*_TRAIL_COLUMNS), bundle_id, nation).order_by(bundle_decisions.c.id)
        return [Decision(**row._mapping) for row in await self._session.execute(query.limit(limit).offset(offset))]

    async def count_trail(self, bundle_id: str, nation: str | None = None) -> int:
        return int(await self._session.scalar(_of_trail(select(func.count()), bundle_id, nation)) or 0)


def _of_lines(query: Select[Any], bundle_id: str, nation: str | None) -> Select[Any]:
    """A bundle's lines, or one nation's among them."""
    query = query.select_from(bundle_lines).where(bundle_lines.c.bundle_id == bundle_id)
    return query if nation is None else query.where(bundle_lines.c.nation == nation)


def _of_trail(query: Select[Any], bundle_id: str, nation: str | None) -> Select[Any]:
    """A bundle's trail, or the entries one nation may read: the bundle-wide ones and its own."""
    query = query.select_from(bundle_decisions).where(bundle_decisions.c.bundle_id == bundle_id)
    if nation is None:
        return query
    return query.where(or_(bundle_decisions.c.nation.is_(None), bundle_decisions.c.nation == nation))
