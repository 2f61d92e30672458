"""Repository of contracts backed by the service's database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.adapters.orm import contracts
from contracts.domain.model import Contract


class ContractRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, contract: Contract) -> None:
        self._session.add(contract)

    async def get(self, contract_id: str) -> Contract | None:
        return await self._session.get(Contract, contract_id)

    async def for_bundle(self, bundle_id: str) -> Contract | None:
        query = select(Contract).where(contracts.c.bundle_id == bundle_id)
        return (await self._session.scalars(query)).first()

    async def list(self, limit: int, offset: int) -> Sequence[Contract]:
        query = select(Contract).order_by(contracts.c.created_at, contracts.c.id).limit(limit).offset(offset)
        return (await self._session.scalars(query)).all()
