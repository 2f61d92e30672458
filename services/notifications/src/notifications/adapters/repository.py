"""Repositories: endpoints, messages, deliveries and attempts in the service's database."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.repository import SessionRepository
from notifications.adapters import orm
from notifications.domain.access import Scope
from notifications.domain.delivery import Delivery, DeliveryState, DeliveryStatus, DueDelivery, Progress
from notifications.domain.endpoint import Endpoint, EndpointStatus, Owner
from notifications.domain.message import Message
from notifications.domain.supplier import Supplier
from notifications.service_layer.unit_of_work import AttemptFilter


class EndpointRepository(SessionRepository[Endpoint]):
    kind = Endpoint

    async def delete(self, endpoint: Endpoint) -> None:
        """Its deliveries and attempts go with it (ON DELETE CASCADE)."""
        await self._session.delete(endpoint)

    async def page(self, scope: Scope | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        values = {} if scope is None else {"owner": scope.owner, "organisation": scope.organisation}
        return await read_counted_page(
            self._session, _endpoint_page(scope is not None), values, limit=limit, offset=offset
        )

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

    async def failing_since_of(self, endpoint_ids: Collection[str]) -> dict[str, datetime | None]:
        """The health of the given endpoints, their rows held until commit on PostgreSQL
        (as `get_many(lock=True)`): most batches of attempts change no endpoint at all, and
        reading two columns spares loading the endpoints as objects."""
        e = orm.endpoints
        query = select(e.c.id, e.c.failing_since).where(e.c.id.in_(sorted(endpoint_ids)))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.order_by(e.c.id).with_for_update()
        return {row.id: row.failing_since for row in await self._session.execute(query)}


class MessageRepository(SessionRepository[Message]):
    kind = Message

    async def received(
        self, scope: Scope | None, event_types: Collection[str], limit: int, offset: int
    ) -> tuple[Sequence[Message], int]:
        """Messages of these types with a delivery to an endpoint in `scope`, newest first,
        and how many there are."""
        m, d, e = orm.messages, orm.deliveries, orm.endpoints
        sent = _in_scope(select(d.c.message_id).join(e, e.c.id == d.c.endpoint_id), scope)
        where = and_(m.c.event_type.in_(sorted(event_types)), m.c.id.in_(sent))
        total = int(await self._session.scalar(select(func.count()).select_from(m).where(where)) or 0)
        if total <= offset:
            return [], total
        query = select(Message).where(where).order_by(m.c.occurred_at.desc(), m.c.id.desc())
        return (await self._session.scalars(query.limit(limit).offset(offset))).all(), total


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.added = 0

    def add(self, delivery: Delivery) -> None:
        self._session.add(delivery)
        self.added += 1

    def requeued(self) -> None:
        self.added += 1

    async def claimable(
        self, now: datetime, limit: int, skip_endpoints: Collection[str], skip_deliveries: Collection[str]
    ) -> list[DueDelivery]:
        """Pending deliveries whose time has come, to active endpoints only (a paused
        endpoint's deliveries wait for it to resume), oldest due first, each with its
        endpoint and message: one query, plain rows.

        On PostgreSQL the delivery rows are locked with SKIP LOCKED, so dispatchers in
        several processes claim disjoint sets instead of waiting on each other.
        """
        d, e, m, s = orm.deliveries, orm.endpoints, orm.messages, orm.suppliers
        query = (
            select(
                d.c.id.label("delivery_id"),
                d.c.message_id,
                d.c.endpoint_id,
                d.c.attempt_count,
                e.c.url,
                e.c.secret,
                e.c.previous_secret,
                e.c.previous_secret_expires_at,
                e.c.rate_limit_per_second,
                m.c.event_type,
                m.c.occurred_at,
                m.c.payload,
                m.c.correlation_id,
                m.c.audience,
                s.c.security_declaration_valid_until.label("audience_cleared_until"),
                e.c.owner,
                e.c.organisation,
                m.c.trace_parent,
            )
            .join(e, e.c.id == d.c.endpoint_id)
            .join(m, m.c.id == d.c.message_id)
            # the endpoint's company: for restricted news the audience itself, as only the
            # audience's endpoints have its deliveries; a desk's endpoint is no company
            .outerjoin(s, and_(s.c.organisation == e.c.organisation, e.c.owner == Owner.INDUSTRY))
            .where(
                d.c.status == DeliveryStatus.PENDING,
                d.c.next_attempt_at <= now,
                e.c.status == EndpointStatus.ACTIVE,
            )
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        if skip_endpoints:
            query = query.where(d.c.endpoint_id.not_in(list(skip_endpoints)))
        if skip_deliveries:
            query = query.where(d.c.id.not_in(list(skip_deliveries)))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=d)
        return [DueDelivery(**row._asdict()) for row in await self._session.execute(query)]

    async def lease(self, delivery_ids: Sequence[str], until: datetime) -> None:
        """Claimed: due again only when the lease runs out (the claimer died mid-attempt)."""
        d = orm.deliveries
        await self._session.execute(update(d).where(d.c.id.in_(list(delivery_ids))).values(next_attempt_at=until))

    async def states(self, delivery_ids: Collection[str]) -> dict[str, DeliveryState]:
        d = orm.deliveries
        query = select(d.c.id, d.c.status, d.c.attempt_count).where(d.c.id.in_(list(delivery_ids)))
        return {row.id: DeliveryState(row.status, row.attempt_count) for row in await self._session.execute(query)}

    async def progress(self, changes: Sequence[tuple[str, Progress, datetime]]) -> None:
        """Deliveries moved on by attempts (delivery id, where it stands, when): one
        statement for all of them."""
        if not changes:
            return
        d = orm.deliveries
        statement = (
            update(d)
            .where(d.c.id == bindparam("delivery_id"))
            .values(
                status=bindparam("new_status"),
                attempt_count=bindparam("new_attempt_count"),
                next_attempt_at=bindparam("new_next_attempt_at"),
                updated_at=bindparam("new_updated_at"),
            )
        )
        rows = [
            {
                "delivery_id": delivery_id,
                "new_status": after.status,
                "new_attempt_count": after.attempt_count,
                "new_next_attempt_at": after.next_attempt_at,
                "new_updated_at": at,
            }
            for delivery_id, after, at in changes
        ]
        await (await self._session.connection()).execute(statement, rows)

    async def page_for_message(
        self, message_id: str, scope: Scope | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        values = {"message_id": message_id}
        if scope is not None:
            values |= {"owner": scope.owner, "organisation": scope.organisation}
        page = _delivery_page(scope is not None)
        return await read_counted_page(self._session, page, values, limit=limit, offset=offset)

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


class SupplierRepository(SessionRepository[Supplier]):
    kind = Supplier

    async def cleared(self, organisations: Collection[str], day: date) -> set[str]:
        s = orm.suppliers
        if not organisations:
            return set()
        query = select(s.c.organisation).where(
            s.c.organisation.in_(sorted(set(organisations))), s.c.security_declaration_valid_until >= day
        )
        return set((await self._session.scalars(query)).all())


class AttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, attempts: Sequence[dict[str, Any]]) -> None:
        """Attempt log entries as `attempt_fields` makes them, in one statement."""
        if attempts:
            await (await self._session.connection()).execute(insert(orm.attempts), list(attempts))

    async def page(
        self, endpoint_id: str, where: AttemptFilter, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first: the attempt log is read to find out what just went wrong. The rows
        as plain fields: a page is read to be shown, never changed."""
        given = {f.name: getattr(where, f.name) for f in fields(where)}
        shape = tuple(value is not None for value in given.values())
        values = {"endpoint_id": endpoint_id, **{k: v for k, v in given.items() if v is not None}}
        return await read_counted_page(self._session, _attempt_page(shape), values, limit=limit, offset=offset)


def _in_scope(query: Select[Any], scope: Scope | None) -> Select[Any]:
    """The endpoints one owner manages; None: every endpoint."""
    if scope is None:
        return query
    t = orm.endpoints
    return query.where(t.c.owner == scope.owner, t.c.organisation == scope.organisation)


@functools.lru_cache(maxsize=64)
def _attempt_page(shape: tuple[bool, ...]) -> Select[Any]:
    """A page of an endpoint's attempt log (`endpoint_id`) and its count, built once per
    set of filters (`shape`: whether each of `AttemptFilter`'s fields is given, in its
    order); their values are bound by the fields' names."""
    a, m = orm.attempts, orm.messages
    succeeded, message_id, event_type, since, until = shape
    where = [a.c.endpoint_id == bindparam("endpoint_id")]
    if succeeded:
        where.append(a.c.succeeded == bindparam("succeeded"))
    if message_id:
        where.append(a.c.message_id == bindparam("message_id"))
    if event_type:
        where.append(a.c.message_id.in_(select(m.c.id).where(m.c.event_type == bindparam("event_type"))))
    if since:
        where.append(a.c.at >= bindparam("since"))
    if until:
        where.append(a.c.at < bindparam("until"))
    columns = [c for c in a.c if c is not a.c.endpoint_id]
    return counted_page(columns, where, a.c.id, after=[a.c.at], newest_first=True)


@functools.lru_cache(maxsize=2)
def _endpoint_page(scoped: bool) -> Select[Any]:
    """A page of the endpoints, oldest first, and their count: one owner's (`owner`,
    `organisation`) if `scoped`, else every one. The secrets stay out of it."""
    e = orm.endpoints
    secret = {e.c.secret, e.c.previous_secret}
    where = [e.c.owner == bindparam("owner"), e.c.organisation == bindparam("organisation")] if scoped else []
    return counted_page([c for c in e.c if c not in secret], where, e.c.id, after=[e.c.created_at])


@functools.lru_cache(maxsize=2)
def _delivery_page(scoped: bool) -> Select[Any]:
    """A page of where a message (`message_id`) went, oldest first, and its count: to one
    owner's endpoints (`owner`, `organisation`) if `scoped`, else to every one."""
    d, e = orm.deliveries, orm.endpoints
    where = [d.c.message_id == bindparam("message_id")]
    if scoped:
        owned = select(e.c.id).where(e.c.owner == bindparam("owner"), e.c.organisation == bindparam("organisation"))
        where.append(d.c.endpoint_id.in_(owned))
    return counted_page(list(d.c), where, d.c.id, after=[d.c.created_at])
