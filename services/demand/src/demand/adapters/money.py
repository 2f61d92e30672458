"""Pledges and funds through the mapping; a recipient's totals summed by the database."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Text, cast, func, or_, select

from bundling_shared.repository import SessionRepository, claim
from demand.adapters.orm import bundles, funds, pledges
from demand.adapters.repository import led_by
from demand.domain.fund import Fund
from demand.domain.pledge import Pledge, PledgeStatus, PledgeTotals
from demand.service_layer.unit_of_work import PledgeFilter


class PledgeRepository(SessionRepository[Pledge]):
    kind = Pledge

    def _filtered(self, query: Select[Any], f: PledgeFilter) -> Select[Any]:
        c = pledges.c
        if f.seen_by is not None:
            seen = []
            if f.seen_by.nation is not None:
                seen.append(c.nation == f.seen_by.nation)
            if f.seen_by.lead is not None:
                party = f.seen_by.lead
                seen.append(c.bundle_id.in_(select(bundles.c.id).where(led_by(party))))
                seen.append(c.fund_id.in_(select(funds.c.id).where(funds.c.lead == party)))
            query = query.where(or_(*seen)) if seen else query.where(c.id.is_(None))
        for column, value in ((c.bundle_id, f.bundle_id), (c.fund_id, f.fund_id), (c.status, f.status)):
            if value is not None:
                query = query.where(column == value)
        return query

    async def page(self, f: PledgeFilter, limit: int, offset: int) -> tuple[Sequence[Pledge], int]:
        total = int(await self._session.scalar(self._filtered(select(func.count()).select_from(pledges), f)) or 0)
        query = self._filtered(select(Pledge), f).order_by(pledges.c.created_at, pledges.c.id)
        found = (await self._session.scalars(query.limit(limit).offset(offset))).all() if offset < total else []
        return found, total

    async def totals(self, *, bundle_id: str | None = None, fund_id: str | None = None) -> PledgeTotals:
        c = pledges.c
        query = select(c.nation, c.status, func.sum(c.amount_eur)).group_by(c.nation, c.status)
        query = query.where(c.bundle_id == bundle_id if bundle_id is not None else c.fund_id == fund_id)
        rows = await self._session.execute(query)
        return PledgeTotals.of((nation, PledgeStatus(status), amount) for nation, status, amount in rows)

    async def totals_of_funds(self, fund_ids: Sequence[str]) -> dict[str, PledgeTotals]:
        c = pledges.c
        query = (
            select(c.fund_id, c.nation, c.status, func.sum(c.amount_eur))
            .where(c.fund_id.in_(fund_ids))
            .group_by(c.fund_id, c.nation, c.status)
        )
        rows: dict[str, list[tuple[str, PledgeStatus, Decimal]]] = {fund_id: [] for fund_id in fund_ids}
        for fund_id, nation, status, amount in await self._session.execute(query):
            rows[fund_id].append((nation, PledgeStatus(status), amount))
        return {fund_id: PledgeTotals.of(found) for fund_id, found in rows.items()}

    async def of_nation(self, nation: str, *, bundle_id: str | None = None, fund_id: str | None = None) -> list[Pledge]:
        c = pledges.c
        target = c.bundle_id == bundle_id if bundle_id is not None else c.fund_id == fund_id
        query = select(Pledge).where(c.nation == nation, target).order_by(c.created_at, c.id)
        return list((await self._session.scalars(query)).all())


class FundRepository(SessionRepository[Fund]):
    kind = Fund

    async def page(self, limit: int, offset: int) -> tuple[Sequence[Fund], int]:
        total = int(await self._session.scalar(select(func.count()).select_from(funds)) or 0)
        query = select(Fund).order_by(funds.c.created_at, funds.c.id).limit(limit).offset(offset)
        return ((await self._session.scalars(query)).all() if offset < total else []), total

    async def buying_for(self, bundle_id: str) -> Sequence[Fund]:
        # The purchases are a JSON list on the fund: its text names the bundle, which the
        # purchases read back then confirm (an id is a prefix and random hex digits).
        query = select(Fund).where(cast(funds.c.purchases, Text).contains(bundle_id))
        found = (await self._session.scalars(query.order_by(funds.c.created_at, funds.c.id))).all()
        return [f for f in found if any(p.bundle_id == bundle_id for p in f.purchases)]

    async def claim(self, fund_id: str) -> None:
        """Purchases from one fund take turns: each reads the balance the one before left."""
        await claim(self._session, funds.c.id, fund_id, unchanged=funds.c.version)
