"""Repositories of the contracts context backed by the service's database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.repository import SessionRepository
from contracts.adapters.orm import (
    call_offs,
    contract_modes,
    contracts,
    delivery_lots,
    frameworks,
    joint_order_leads,
    ocds_releases,
    procurements,
    specifications,
    suppliers,
    uncontracted_commitments,
)
from contracts.domain.contract import CommitmentKind, CommitmentRefusal, Contract, ContractMode
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.ocds import PublishedRelease
from contracts.domain.procurement import Procurement
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier


class ContractRepository(SessionRepository[Contract]):
    kind = Contract

    async def for_bundle(self, bundle_id: str) -> Contract | None:
        found = await self.all_for_bundle(bundle_id)
        return found[0] if found else None

    async def all_for_bundle(self, bundle_id: str) -> Sequence[Contract]:
        query = select(Contract).where(contracts.c.bundle_id == bundle_id).order_by(contracts.c.part)
        return (await self._session.scalars(query)).all()

    async def list(self) -> Sequence[Contract]:
        query = select(Contract).order_by(contracts.c.created_at, contracts.c.id)
        return (await self._session.scalars(query)).all()

    async def mode_for(self, bundle_id: str) -> ContractMode:
        mode = await self._session.scalar(select(contract_modes.c.mode).where(contract_modes.c.bundle_id == bundle_id))
        return ContractMode(mode) if mode else ContractMode.SINGLE

    async def set_mode(self, bundle_id: str, mode: ContractMode) -> None:
        await self._session.execute(delete(contract_modes).where(contract_modes.c.bundle_id == bundle_id))
        await self._session.execute(contract_modes.insert().values(bundle_id=bundle_id, mode=mode.value))

    async def lead_of(self, bundle_id: str) -> str | None:
        return await self._session.scalar(
            select(joint_order_leads.c.lead).where(joint_order_leads.c.bundle_id == bundle_id)
        )

    async def set_lead(self, bundle_id: str, lead: str) -> None:
        await self._session.execute(delete(joint_order_leads).where(joint_order_leads.c.bundle_id == bundle_id))
        await self._session.execute(joint_order_leads.insert().values(bundle_id=bundle_id, lead=lead))

    async def refusal_for(self, bundle_id: str) -> CommitmentRefusal | None:
        t = uncontracted_commitments
        row = (await self._session.execute(select(t).where(t.c.bundle_id == bundle_id))).first()
        if row is None:
            return None
        return CommitmentRefusal(
            bundle_id=row.bundle_id,
            kind=CommitmentKind(row.kind),
            item_code=row.item_code,
            lead=row.lead,
            nations=list(row.nations),
            reason=row.reason,
            at=row.refused_at,
        )

    async def record_refusal(self, refusal: CommitmentRefusal) -> None:
        """The latest refusal of a bundle's commitment replaces an earlier one."""
        await self.clear_refusal(refusal.bundle_id)
        await self._session.execute(
            uncontracted_commitments.insert().values(
                bundle_id=refusal.bundle_id,
                kind=refusal.kind.value,
                item_code=refusal.item_code,
                lead=refusal.lead,
                nations=refusal.nations,
                reason=refusal.reason,
                refused_at=refusal.at,
            )
        )

    async def clear_refusal(self, bundle_id: str) -> None:
        t = uncontracted_commitments
        await self._session.execute(delete(t).where(t.c.bundle_id == bundle_id))


class SupplierRepository(SessionRepository[Supplier]):
    kind = Supplier

    async def by_organisation(self, organisation: str) -> Supplier | None:
        query = select(Supplier).where(suppliers.c.organisation == organisation)
        return (await self._session.scalars(query)).first()

    async def list(self) -> Sequence[Supplier]:
        return (await self._session.scalars(select(Supplier).order_by(suppliers.c.organisation))).all()

    async def by_ids(self, ids: set[str]) -> dict[str, Supplier]:
        if not ids:
            return {}
        found = (await self._session.scalars(select(Supplier).where(suppliers.c.id.in_(ids)))).all()
        return {s.id: s for s in found}


class SpecificationRepository(SessionRepository[Specification]):
    kind = Specification

    async def versions(self, reference: str) -> Sequence[Specification]:
        query = select(Specification).where(specifications.c.reference == reference).order_by(specifications.c.version)
        return (await self._session.scalars(query)).all()

    async def list(self) -> Sequence[Specification]:
        query = select(Specification).order_by(specifications.c.reference, specifications.c.version)
        return (await self._session.scalars(query)).all()


class ProcurementRepository(SessionRepository[Procurement]):
    kind = Procurement

    async def list(self) -> Sequence[Procurement]:
        query = select(Procurement).order_by(procurements.c.created_at, procurements.c.id)
        return (await self._session.scalars(query)).all()


class FrameworkRepository(SessionRepository[FrameworkContract]):
    kind = FrameworkContract

    async def for_bundle(self, bundle_id: str) -> FrameworkContract | None:
        query = select(FrameworkContract).where(frameworks.c.bundle_id == bundle_id)
        return (await self._session.scalars(query)).first()

    async def list(self) -> Sequence[FrameworkContract]:
        query = select(FrameworkContract).order_by(frameworks.c.created_at, frameworks.c.id)
        return (await self._session.scalars(query)).all()

    async def call_off(self, call_off_id: str) -> CallOff | None:
        return await self._session.get(CallOff, call_off_id)

    async def all_call_offs(self) -> Sequence[CallOff]:
        return (await self._session.scalars(select(CallOff).order_by(call_offs.c.placed_at))).all()


class DeliveryLotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, lot: DeliveryLot) -> None:
        self._session.add(lot)

    async def remove(self, lot: DeliveryLot) -> None:
        await self._session.delete(lot)

    async def get(self, lot_id: str) -> DeliveryLot | None:
        return await self._session.get(DeliveryLot, lot_id)

    async def for_contract(self, contract_id: str) -> Sequence[DeliveryLot]:
        query = (
            select(DeliveryLot)
            .where(delivery_lots.c.contract_id == contract_id)
            .order_by(delivery_lots.c.due_date, delivery_lots.c.nation, delivery_lots.c.id)
        )
        return (await self._session.scalars(query)).all()

    async def open_lots(self) -> Sequence[DeliveryLot]:
        query = select(DeliveryLot).order_by(delivery_lots.c.contract_id, delivery_lots.c.due_date)
        return [lot for lot in (await self._session.scalars(query)).all() if lot.outstanding > 0]

    async def list(self) -> Sequence[DeliveryLot]:
        query = select(DeliveryLot).order_by(delivery_lots.c.contract_id, delivery_lots.c.due_date)
        return (await self._session.scalars(query)).all()


class OcdsReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_ocids(self, ocids: set[str]) -> list[PublishedRelease]:
        query = (
            select(ocds_releases)
            .where(ocds_releases.c.ocid.in_(sorted(ocids)))
            .order_by(ocds_releases.c.date, ocds_releases.c.id)
        )
        rows = (await self._session.execute(query)).all()
        return [PublishedRelease(r.id, r.ocid, r.date, r.digest, r.release) for r in rows]

    async def add(self, published: PublishedRelease) -> None:
        """Two exports racing to publish the same change make the same release: one is kept."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "id": published.id,
            "ocid": published.ocid,
            "date": published.date,
            "digest": published.digest,
            "release": published.release,
        }
        await self._session.execute(insert(ocds_releases).values(values).on_conflict_do_nothing())
