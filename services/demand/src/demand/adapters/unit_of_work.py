"""The demand service's unit of work: repositories, outbox and inbox in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from demand.adapters import orm
from demand.adapters.repository import BundleRepository, CatalogueRepository, IdempotencyRepository, NeedRepository


class DemandUnitOfWork(SqlAlchemyUnitOfWorkBase):
    needs: NeedRepository
    catalogue: CatalogueRepository
    bundles: BundleRepository
    idempotency: IdempotencyRepository

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], on_commit: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__(session_factory, orm.outbox, orm.processed_messages, on_commit)

    def _open_repositories(self, session: AsyncSession) -> None:
        self.needs = NeedRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.bundles = BundleRepository(session)
        self.idempotency = IdempotencyRepository(session)

    async def flush(self) -> None:
        await self.session.flush()
