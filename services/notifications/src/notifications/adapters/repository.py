"""Repositories: endpoints, messages, deliveries and attempts in the service's database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import orm
from notifications.domain.model import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointStatus,
    Message,
    Supplier,
)
from notifications.service_layer.unit_of_work import AttemptFilter


class EndpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, endpoint: Endpoint) -> None:
        self._session.add(endpoint)

    async def get(self, endpoint_id: str) -> Endpoint | None:
        return await self._session.get(Endpoint, endpoint_id)

    async def delete(self, endpoint: Endpoint) -> None:
        """Its deliveries and attempts go with it (ON DELETE CASCADE)."""
        await self._session.delete(endpoint)

    async def list(self, organisation: str | None, limit: int, offset: int) -> Sequence[Endpoint]:
        t = orm.endpoints
        query = select(Endpoint).order_by(t.c.created_at, t.c.id).limit(limit).offset(offset)
        if organisation is not None:
            query = query.where(t.c.organisation == organisation)
        return (await self._session.scalars(query)).all()

    async def active(self) -> Sequence[Endpoint]:
        t = orm.endpoints
        query = select(Endpoint).where(t.c.status == EndpointStatus.ACTIVE).order_by(t.c.id)
        return (await self._session.scalars(query)).all()

    async def get_many(self, endpoint_ids: Collection[str], lock: bool = False) -> dict[str, Endpoint]:
        """`lock`: on PostgreSQL, hold the rows until commit, so dispatchers in several
        processes keep an endpoint's health one after the other (it is disabled, and its
        owner told, once)."""
        query = select(Endpoint).where(orm.endpoints.c.id.in_(sorted(endpoint_ids)))
        if lock and self._session.get_bind().dialect.name == "postgresql":
            query = query.order_by(orm.endpoints.c.id).with_for_update()
        return {e.id: e for e in (await self._session.scalars(query)).all()}


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, message: Message) -> None:
        self._session.add(message)

    async def get(self, message_id: str) -> Message | None:
        return await self._session.get(Message, message_id)

    async def get_many(self, message_ids: Collection[str]) -> dict[str, Message]:
        query = select(Message).where(orm.messages.c.id.in_(list(message_ids)))
        return {m.id: m for m in (await self._session.scalars(query)).all()}


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.added = 0

    def add(self, delivery: Delivery) -> None:
        self._session.add(delivery)
        self.added += 1

    def requeued(self) -> None:
        self.added += 1

    async def get(self, delivery_id: str) -> Delivery | None:
        return await self._session.get(Delivery, delivery_id)

    async def get_many(self, delivery_ids: Collection[str]) -> dict[str, Delivery]:
        query = select(Delivery).where(orm.deliveries.c.id.in_(list(delivery_ids)))
        return {d.id: d for d in (await self._session.scalars(query)).all()}

    async def due(
        self, now: datetime, limit: int, skip_endpoints: Collection[str], skip_deliveries: Collection[str]
    ) -> Sequence[Delivery]:
        """Pending deliveries whose time has come, to active endpoints only (a paused
        endpoint's deliveries wait for it to resume), oldest due first.

        On PostgreSQL the rows are locked with SKIP LOCKED, so dispatchers in several
        processes claim disjoint sets instead of waiting on each other.
        """
        d, e = orm.deliveries, orm.endpoints
        active = select(e.c.id).where(e.c.status == EndpointStatus.ACTIVE)
        query = (
            select(Delivery)
            .where(
                d.c.status == DeliveryStatus.PENDING,
                d.c.next_attempt_at <= now,
                d.c.endpoint_id.in_(active),
            )
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        if skip_endpoints:
            query = query.where(d.c.endpoint_id.not_in(list(skip_endpoints)))
        if skip_deliveries:
            query = query.where(d.c.id.not_in(list(skip_deliveries)))
        bind = self._session.get_bind()
        if bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=d)
        return (await self._session.scalars(query)).all()

    async def for_message(self, message_id: str, organisation: str | None) -> Sequence[Delivery]:
        d, e = orm.deliveries, orm.endpoints
        query = select(Delivery).where(d.c.message_id == message_id).order_by(d.c.created_at, d.c.id)
        if organisation is not None:
            query = query.where(d.c.endpoint_id.in_(select(e.c.id).where(e.c.organisation == organisation)))
        return (await self._session.scalars(query)).all()

    async def of(self, message_id: str, endpoint_id: str) -> Delivery | None:
        d = orm.deliveries
        query = select(Delivery).where(d.c.message_id == message_id, d.c.endpoint_id == endpoint_id)
        return (await self._session.scalars(query)).one_or_none()

    async def failed_between(self, endpoint_id: str, since: datetime, until: datetime) -> Sequence[Delivery]:
        d = orm.deliveries
        query = (
            select(Delivery)
            .where(
                d.c.endpoint_id == endpoint_id,
                d.c.status == DeliveryStatus.FAILED,
                d.c.created_at >= since,
                d.c.created_at < until,
            )
            .order_by(d.c.created_at, d.c.id)
        )
        return (await self._session.scalars(query)).all()


class SupplierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, supplier: Supplier) -> None:
        self._session.add(supplier)

    async def get(self, organisation: str) -> Supplier | None:
        return await self._session.get(Supplier, organisation)


class AttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, attempt: Attempt) -> None:
        self._session.add(attempt)

    async def for_endpoint(self, endpoint_id: str, limit: int, offset: int, where: AttemptFilter) -> Sequence[Attempt]:
        """Newest first: the attempt log is read to find out what just went wrong."""
        a = orm.attempts
        query = select(Attempt).where(a.c.endpoint_id == endpoint_id)
        if where.succeeded is not None:
            query = query.where(a.c.succeeded.is_(where.succeeded))
        if where.message_id is not None:
            query = query.where(a.c.message_id == where.message_id)
        if where.event_type is not None:
            m = orm.messages
            query = query.where(a.c.message_id.in_(select(m.c.id).where(m.c.event_type == where.event_type)))
        if where.since is not None:
            query = query.where(a.c.at >= where.since)
        if where.until is not None:
            query = query.where(a.c.at < where.until)
        query = query.order_by(a.c.at.desc(), a.c.id.desc()).limit(limit).offset(offset)
        return (await self._session.scalars(query)).all()
