"""Repositories: collections of needs and bundles backed by the service's database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demand.adapters.orm import bundles, needs
from demand.domain.model import Bundle, BundleStatus, Need


class NeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, need: Need) -> None:
        self._session.add(need)

    async def get(self, need_id: str) -> Need | None:
        return await self._session.get(Need, need_id)

    async def list(self, nation: str | None, limit: int, offset: int) -> Sequence[Need]:
        query = select(Need).order_by(needs.c.created_at, needs.c.id).limit(limit).offset(offset)
        if nation is not None:
            query = query.where(needs.c.nation == nation)
        return (await self._session.scalars(query)).all()


class BundleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, bundle: Bundle) -> None:
        self._session.add(bundle)

    async def get(self, bundle_id: str) -> Bundle | None:
        return await self._session.get(Bundle, bundle_id)

    async def open_for_item(self, item_code: str) -> Bundle | None:
        query = select(Bundle).where(
            bundles.c.item_code == item_code,
            bundles.c.status == BundleStatus.OPEN,
        )
        return (await self._session.scalars(query)).first()

    async def list(self, limit: int, offset: int) -> Sequence[Bundle]:
        query = select(Bundle).order_by(bundles.c.created_at, bundles.c.id).limit(limit).offset(offset)
        return (await self._session.scalars(query)).all()
