"""The notifications service's unit of work: repositories and inbox in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bundling_shared.clock import Clock
from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from notifications.adapters import orm
from notifications.adapters.repository import (
    AttemptRepository,
    DeliveryRepository,
    EndpointRepository,
    MessageRepository,
    SupplierRepository,
)


class NotificationsUnitOfWork(SqlAlchemyUnitOfWorkBase):
    endpoints: EndpointRepository
    messages: MessageRepository
    deliveries: DeliveryRepository
    attempts: AttemptRepository
    suppliers: SupplierRepository
    outbox_table, processed_table = orm.outbox, orm.processed_messages

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        on_deliveries: Callable[[], None] = lambda: None,
        on_events: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(session_factory, on_events, clock)
        self._on_deliveries = on_deliveries

    def _open_repositories(self, session: AsyncSession) -> None:
        self.endpoints = EndpointRepository(session)
        self.messages = MessageRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.attempts = AttemptRepository(session)
        self.suppliers = SupplierRepository(session)

    async def commit(self) -> None:
        """Wakes the dispatcher once new deliveries are committed (never before: it would
        look for rows it cannot see yet)."""
        created = self.deliveries.added
        await super().commit()
        if created:
            self.deliveries.added = 0
            self._on_deliveries()
