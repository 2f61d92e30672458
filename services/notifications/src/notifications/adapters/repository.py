"""Repositories: endpoints, messages, deliveries and attempts in the service's database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import orm
from notifications.domain.model import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStatus, Message


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

    async def get_many(self, endpoint_ids: Collection[str]) -> dict[str, Endpoint]:
        query = select(Endpoint).where(orm.endpoints.c.id.in_(list(endpoint_ids)))
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

    async def get(self, delivery_id: str) -> Delivery | None:
        return await self._session.get(Delivery, delivery_id)

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


class AttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, attempt: Attempt) -> None:
        self._session.add(attempt)

    async def for_endpoint(self, endpoint_id: str, limit: int, offset: int) -> Sequence[Attempt]:
        """Newest first: the attempt log is read to find out what just went wrong."""
        a = orm.attempts
        query = (
            select(Attempt)
            .where(a.c.endpoint_id == endpoint_id)
            .order_by(a.c.at.desc(), a.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self._session.scalars(query)).all()
