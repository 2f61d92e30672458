"""The demand service's unit of work: repositories, outbox and inbox in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from demand.adapters import orm
from demand.adapters.batching.bulk_writes import execute_many
from demand.adapters.batching.bundle_parts import BundleParts
from demand.adapters.batching.cache import BatchCache
from demand.adapters.batching.locks import OpeningLocks
from demand.adapters.repository import BundleRepository, CatalogueRepository, IdempotencyRepository, NeedRepository


class DemandUnitOfWork(SqlAlchemyUnitOfWorkBase):
    outbox_table, processed_table = orm.outbox, orm.processed_messages

    def _open_repositories(self, session: AsyncSession) -> None:
        self._bundle_parts, self._opening_locks = BundleParts(session), OpeningLocks(session)
        self.needs = NeedRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.bundles = BundleRepository(session, self._bundle_parts, self._opening_locks)
        self.idempotency = IdempotencyRepository(session)

    async def commit(self) -> None:
        await self.bundles.write_held()
        await super().commit()

    async def flush(self) -> None:
        await self.session.flush()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[BatchCache]:
        """Within it the repositories answer from what the batch read (`batching.cache`)
        and nothing is flushed before a query: what the batch changed is written at its end."""
        plain = self.needs, self.catalogue, self.bundles
        cache = BatchCache(self.session, self._bundle_parts, self._opening_locks)
        self.needs, self.catalogue, self.bundles = cache.needs, cache.catalogue, cache.bundles
        try:
            with self.session.no_autoflush:
                yield cache
                await cache.write_back()
        finally:
            self.needs, self.catalogue, self.bundles = plain

    async def processed_among(self, consumer: str, event_ids: Collection[str]) -> set[str]:
        """Which of a batch's events were applied before: one query for the whole batch."""
        table = orm.processed_messages
        rows = await self.session.execute(
            select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id.in_(list(event_ids)))
        )
        return {str(row[0]) for row in rows}

    async def mark_all_processed(self, consumer: str, event_ids: Collection[str]) -> None:
        """Records a batch's events in one statement; a duplicate fails the whole transaction."""
        if not event_ids:
            return
        now = self.clock.now()
        rows = [{"consumer": consumer, "event_id": i, "processed_at": now} for i in event_ids]
        await execute_many(self.session, "processed", insert(orm.processed_messages), rows)
