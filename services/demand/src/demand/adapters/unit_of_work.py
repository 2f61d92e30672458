"""The demand service's unit of work: repositories, outbox and inbox in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.events.demand import NeedRegisteredV1
from bundling_shared.unit_of_work import SqlAlchemyUnitOfWorkBase
from demand.adapters import orm
from demand.adapters.batching.bulk_writes import execute_many
from demand.adapters.batching.bundle_parts import BundleParts
from demand.adapters.batching.cache import BatchCache
from demand.adapters.batching.locks import OpeningLocks
from demand.adapters.capacity import ProductionLineRepository
from demand.adapters.money import FundRepository, PledgeRepository
from demand.adapters.recent_catalogue import recent_catalogue
from demand.adapters.repository import BundleRepository, CatalogueRepository, IdempotencyRepository, NeedRepository
from demand.domain.bundle import Bundle

_PROCESSED = orm.processed_messages
_GIVEN = (
    func.unnest(bindparam("event_ids", type_=postgresql.ARRAY(_PROCESSED.c.event_id.type)))
    .table_valued("event_id")
    .render_derived(name="given")
)
# The events not recorded before are recorded and returned; the others are skipped (waiting,
# for one another transaction is recording, until that transaction ends).
_RECORDED_NOW = (
    postgresql.insert(_PROCESSED)
    .from_select(
        ["consumer", "event_id", "processed_at"],
        select(
            bindparam("consumer", type_=_PROCESSED.c.consumer.type),
            _GIVEN.c.event_id,
            bindparam("processed_at", type_=_PROCESSED.c.processed_at.type),
        ),
    )
    .on_conflict_do_nothing()
    .returning(_PROCESSED.c.event_id)
)


class DemandUnitOfWork(SqlAlchemyUnitOfWorkBase):
    outbox_table, processed_table = orm.outbox, orm.processed_messages
    changed_together = frozenset({Bundle})

    def __init__(self, *args: Any, registered: Callable[[int], None] = lambda _: None, **kwargs: Any) -> None:
        """`registered` hears how many needs a commit registered (operators' counts)."""
        super().__init__(*args, **kwargs)
        self._registered = registered

    def _open_repositories(self, session: AsyncSession) -> None:
        self._processed_at_commit: list[Mapping[str, Any]] = []
        self._bundle_parts, self._opening_locks = BundleParts(session), OpeningLocks(session)
        self.needs = self._need_rows = NeedRepository(session)
        self.catalogue = CatalogueRepository(session, recent_catalogue(self._session_factory))
        self.bundles = BundleRepository(session, self._bundle_parts, self._opening_locks)
        self.idempotency = IdempotencyRepository(session)
        self.pledges = PledgeRepository(session)
        self.funds = FundRepository(session)
        self.lines = ProductionLineRepository(session)

    async def commit(self) -> None:
        """A transaction that touched no bundle (a desk registering a need) writes its
        rows as it commits, all at once; one that did writes the needs first, the bundles
        and their parts after them, as their keys require."""
        registered = sum(1 for row in self._staged if row["event_type"] == NeedRegisteredV1.TYPE)
        if self._bundle_parts.untouched() and not self._processed_at_commit:
            await self._commit_after([*self.idempotency.take_new(), *self._need_rows.take_new()])
        elif not self._processed_at_commit and (held := self._bundle_parts.held_rows()) is not None:
            parts, changed = held
            await self._commit_after([*self.idempotency.take_new(), *self._need_rows.take_new(), *parts], changed)
        else:
            await self._need_rows.write_new()
            await self.bundles.write_held()
            await self.idempotency.write_new()
            if self._processed_at_commit:
                rows, self._processed_at_commit = self._processed_at_commit, []
                await execute_many(self.session, "processed", insert(_PROCESSED), rows)
            await super().commit()
        if registered:
            self._registered(registered)

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

    async def record_processed(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Records a batch's events as processed, in this transaction; returns those not
        recorded before, each once.

        On PostgreSQL one statement does both: an insert that skips the events recorded
        before and returns those it wrote. Asking first which were recorded, by a query
        with hundreds of ids, let the server settle on a plan while the table was young and
        keep it: by the consumer alone, which it could not tell matched every row, so that
        each batch compared every stored id with every id asked, seconds per batch at tens
        of thousands of rows. An insert goes by the primary key at any size; and an event
        another aggregator is recording meanwhile waits for that transaction, then counts
        as recorded, where the insert at the end failed the batch.

        On SQLite they are read now and written at the commit, with the rest of the batch:
        the transaction starts writing, and holds the database's one writer's lock, no
        sooner than before. An event recorded meanwhile fails the commit."""
        if self.session.get_bind().dialect.name == "postgresql":
            now = self.clock.now()
            parameters = {"consumer": consumer, "event_ids": list(event_ids), "processed_at": now}
            return set((await self.session.scalars(_RECORDED_NOW, parameters)).all())
        found = await self.session.scalars(
            select(_PROCESSED.c.event_id).where(
                _PROCESSED.c.consumer == consumer, _PROCESSED.c.event_id.in_(list(event_ids))
            )
        )
        new = set(event_ids) - set(found.all())
        now = self.clock.now()
        self._processed_at_commit += [{"consumer": consumer, "event_id": i, "processed_at": now} for i in new]
        return new
