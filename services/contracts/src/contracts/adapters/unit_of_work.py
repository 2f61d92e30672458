"""The contracts service's unit of work: repositories, outbox and inbox in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bundling_shared.clock import Clock, SystemClock
from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from contracts.adapters import orm
from contracts.adapters.repository import (
    ContractRepository,
    DeliveryLotRepository,
    FrameworkRepository,
    OcdsReleaseRepository,
    ProcurementRepository,
    SpecificationRepository,
    SupplierRepository,
)


class ContractsUnitOfWork(SqlAlchemyUnitOfWorkBase):
    contracts: ContractRepository
    suppliers: SupplierRepository
    specifications: SpecificationRepository
    procurements: ProcurementRepository
    frameworks: FrameworkRepository
    lots: DeliveryLotRepository
    releases: OcdsReleaseRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] = lambda: None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(session_factory, orm.outbox, orm.processed_messages, on_commit)
        self.clock = clock or SystemClock()

    def _open_repositories(self, session: AsyncSession) -> None:
        self.contracts = ContractRepository(session)
        self.suppliers = SupplierRepository(session)
        self.specifications = SpecificationRepository(session)
        self.procurements = ProcurementRepository(session)
        self.frameworks = FrameworkRepository(session)
        self.lots = DeliveryLotRepository(session)
        self.releases = OcdsReleaseRepository(session)
