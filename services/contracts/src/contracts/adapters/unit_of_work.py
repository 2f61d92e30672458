"""The contracts service's unit of work: repositories, outbox and inbox in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from contracts.adapters import orm
from contracts.adapters.repository import (
    ContractRepository,
    DeliveryLotRepository,
    ExpiryNoticeRepository,
    FrameworkRepository,
    MaterialRepository,
    NationalPurchaseRepository,
    OcdsReleaseRepository,
    ProcurementRepository,
    ProductionLineRepository,
    SpecificationRepository,
    StockLevelRepository,
    SupplierRepository,
)
from contracts.domain.frameworks import FrameworkContract


class ContractsUnitOfWork(SqlAlchemyUnitOfWorkBase):
    outbox_table, processed_table = orm.outbox, orm.processed_messages
    changed_together = frozenset({FrameworkContract})

    def _open_repositories(self, session: AsyncSession) -> None:
        self.contracts = ContractRepository(session)
        self.suppliers = SupplierRepository(session)
        self.specifications = SpecificationRepository(session)
        self.procurements = ProcurementRepository(session)
        self.frameworks = FrameworkRepository(session)
        self.lots = DeliveryLotRepository(session)
        self.releases = OcdsReleaseRepository(session)
        self.lines = ProductionLineRepository(session)
        self.stock = StockLevelRepository(session)
        self.national_purchases = NationalPurchaseRepository(session)
        self.expiries = ExpiryNoticeRepository(session)
        self.materials = MaterialRepository(session)

    async def commit(self) -> None:
        """On PostgreSQL a call-off, its log entry and its event are one statement."""
        await self._commit_after(self.frameworks.take_new())
