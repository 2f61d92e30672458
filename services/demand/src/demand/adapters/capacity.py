"""The production lines the contracts service told of, kept beside the demand."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bundling_shared.repository import SessionRepository
from demand.adapters.orm import production_lines
from demand.domain.capacity import DeclaredLine


class ProductionLineRepository(SessionRepository[DeclaredLine]):
    kind = DeclaredLine

    async def of_item(self, item_code: str) -> Sequence[DeclaredLine]:
        c = production_lines.c
        return (
            await self._session.scalars(select(DeclaredLine).where(c.item_code == item_code).order_by(c.line_id))
        ).all()

    async def locked(self) -> Sequence[DeclaredLine]:
        c = production_lines.c
        query = select(DeclaredLine).where(c.unlocked_at.is_(None)).order_by(c.item_code, c.line_id)
        return (await self._session.scalars(query)).all()
