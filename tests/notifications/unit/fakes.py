"""A unit of work in memory: the handlers run against it as against the database, without
one, so that their rules are tested in milliseconds. Its repositories keep what was added
across transactions, as a database would; a transaction that is not committed is not
undone (no handler here relies on that)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from bundling_shared.clock import Clock
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.topics import Topic
from notifications.domain.access import Scope
from notifications.domain.delivery import (
    Attempt,
    Delivery,
    DeliveryState,
    DeliveryStatus,
    DueDelivery,
    Progress,
)
from notifications.domain.endpoint import Endpoint, EndpointStatus, Owner
from notifications.domain.message import Message
from notifications.domain.supplier import Supplier
from notifications.service_layer.unit_of_work import AttemptFilter, Listed


def _in(scope: Scope | None, endpoint: Endpoint) -> bool:
    return scope is None or scope.holds(endpoint)


class FakeEndpoints:
    def __init__(self) -> None:
        self.rows: dict[str, Endpoint] = {}

    def add(self, endpoint: Endpoint) -> None:
        self.rows[endpoint.id] = endpoint

    async def get(self, endpoint_id: str) -> Endpoint | None:
        return self.rows.get(endpoint_id)

    async def delete(self, endpoint: Endpoint) -> None:
        del self.rows[endpoint.id]

    async def page(self, scope: Scope | None, limit: int, offset: int) -> tuple[Sequence[Listed], int]:
        mine = sorted((e for e in self.rows.values() if _in(scope, e)), key=lambda e: (e.created_at, e.id))
        shown = [f.name for f in fields(Endpoint) if f.name not in ("secret", "previous_secret")]
        return [{name: getattr(e, name) for name in shown} for e in mine[offset : offset + limit]], len(mine)

    async def active(self) -> Sequence[Endpoint]:
        return sorted((e for e in self.rows.values() if e.status is EndpointStatus.ACTIVE), key=lambda e: e.id)

    async def get_many(self, endpoint_ids: Collection[str], lock: bool = False) -> dict[str, Endpoint]:
        return {i: self.rows[i] for i in endpoint_ids if i in self.rows}

    async def failing_since_of(self, endpoint_ids: Collection[str]) -> dict[str, datetime | None]:
        return {i: self.rows[i].failing_since for i in endpoint_ids if i in self.rows}


class FakeMessages:
    def __init__(self) -> None:
        self.rows: dict[str, Message] = {}

    def add(self, message: Message) -> None:
        self.rows[message.id] = message

    async def get(self, message_id: str) -> Message | None:
        return self.rows.get(message_id)

    async def received(
        self, scope: Scope | None, event_types: Collection[str], limit: int, offset: int
    ) -> tuple[Sequence[Message], int]:
        raise NotImplementedError("the database finds what an owner's endpoints received")


class FakeSuppliers:
    def __init__(self) -> None:
        self.rows: dict[str, Supplier] = {}

    def add(self, supplier: Supplier) -> None:
        self.rows[supplier.organisation] = supplier

    async def get(self, organisation: str) -> Supplier | None:
        return self.rows.get(organisation)

    async def cleared(self, organisations: Collection[str], day: date) -> set[str]:
        return {o for o in organisations if o in self.rows and self.rows[o].cleared_on(day)}


class FakeDeliveries:
    def __init__(self, endpoints: FakeEndpoints, messages: FakeMessages, suppliers: FakeSuppliers) -> None:
        self.rows: dict[str, Delivery] = {}
        self._endpoints, self._messages, self._suppliers = endpoints, messages, suppliers
        self.requeues = 0

    def add(self, delivery: Delivery) -> None:
        self.rows[delivery.id] = delivery

    def requeued(self) -> None:
        self.requeues += 1

    async def claimable(
        self, now: datetime, limit: int, skip_endpoints: Collection[str], skip_deliveries: Collection[str]
    ) -> list[DueDelivery]:
        due = sorted(
            (
                d
                for d in self.rows.values()
                if d.status is DeliveryStatus.PENDING
                and d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and self._endpoints.rows[d.endpoint_id].status is EndpointStatus.ACTIVE
                and d.endpoint_id not in skip_endpoints
                and d.id not in skip_deliveries
            ),
            key=lambda d: (d.next_attempt_at, d.id),
        )
        return [self._due(d) for d in due[:limit]]

    def _due(self, d: Delivery) -> DueDelivery:
        e, m = self._endpoints.rows[d.endpoint_id], self._messages.rows[d.message_id]
        company = e.owner is Owner.INDUSTRY
        supplier = self._suppliers.rows.get(e.organisation) if company else None
        return DueDelivery(
            delivery_id=d.id,
            message_id=d.message_id,
            endpoint_id=d.endpoint_id,
            attempt_count=d.attempt_count,
            url=e.url,
            secret=e.secret,
            previous_secret=e.previous_secret,
            previous_secret_expires_at=e.previous_secret_expires_at,
            rate_limit_per_second=e.rate_limit_per_second,
            event_type=m.event_type,
            occurred_at=m.occurred_at,
            payload=m.payload,
            correlation_id=m.correlation_id,
            audience=m.audience,
            audience_cleared_until=supplier.security_declaration_valid_until if supplier else None,
            owner=e.owner.value,
            organisation=e.organisation,
        )

    async def lease(self, delivery_ids: Sequence[str], until: datetime) -> None:
        for delivery_id in delivery_ids:
            self.rows[delivery_id].next_attempt_at = until

    async def states(self, delivery_ids: Collection[str]) -> dict[str, DeliveryState]:
        return {
            i: DeliveryState(self.rows[i].status, self.rows[i].attempt_count) for i in delivery_ids if i in self.rows
        }

    async def progress(self, changes: Sequence[tuple[str, Progress, datetime]]) -> None:
        for delivery_id, after, at in changes:
            d = self.rows[delivery_id]
            d.status, d.attempt_count, d.next_attempt_at, d.updated_at = (
                after.status,
                after.attempt_count,
                after.next_attempt_at,
                at,
            )

    def _of_message(self, message_id: str, scope: Scope | None) -> list[Delivery]:
        return sorted(
            (
                d
                for d in self.rows.values()
                if d.message_id == message_id and _in(scope, self._endpoints.rows[d.endpoint_id])
            ),
            key=lambda d: (d.created_at, d.id),
        )

    async def page_for_message(
        self, message_id: str, scope: Scope | None, limit: int, offset: int
    ) -> tuple[Sequence[Listed], int]:
        went = self._of_message(message_id, scope)
        shown = [f.name for f in fields(Delivery)]
        return [{name: getattr(d, name) for name in shown} for d in went[offset : offset + limit]], len(went)

    async def of(self, message_id: str, endpoint_id: str) -> Delivery | None:
        return next((d for d in self.rows.values() if (d.message_id, d.endpoint_id) == (message_id, endpoint_id)), None)

    async def failed_between(self, endpoint_id: str, since: datetime, until: datetime) -> Sequence[Delivery]:
        return [
            d
            for d in self.rows.values()
            if d.endpoint_id == endpoint_id and d.status is DeliveryStatus.FAILED and since <= d.created_at < until
        ]


class FakeAttempts:
    def __init__(self, messages: FakeMessages) -> None:
        self.rows: list[Attempt] = []
        self._messages = messages

    async def add_many(self, attempts: Sequence[dict[str, Any]]) -> None:
        self.rows.extend(Attempt(**a) for a in attempts)

    def _matching(self, endpoint_id: str, where: AttemptFilter) -> list[Attempt]:
        return [
            a
            for a in self.rows
            if a.endpoint_id == endpoint_id
            and (where.succeeded is None or a.succeeded is where.succeeded)
            and (where.message_id is None or a.message_id == where.message_id)
            and (where.event_type is None or self._messages.rows[a.message_id].event_type == where.event_type)
            and (where.since is None or a.at >= where.since)
            and (where.until is None or a.at < where.until)
        ]

    async def page(
        self, endpoint_id: str, where: AttemptFilter, limit: int, offset: int
    ) -> tuple[Sequence[Listed], int]:
        matching = self._matching(endpoint_id, where)
        newest_first = sorted(matching, key=lambda a: (a.at, a.id), reverse=True)[offset : offset + limit]
        shown = [f.name for f in fields(Attempt) if f.name != "endpoint_id"]
        return [{name: getattr(a, name) for name in shown} for a in newest_first], len(matching)


class FakeUnitOfWork:
    """One store for every transaction of a test: reuse the same instance."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.endpoints = FakeEndpoints()
        self.messages = FakeMessages()
        self.suppliers = FakeSuppliers()
        self.deliveries = FakeDeliveries(self.endpoints, self.messages, self.suppliers)
        self.attempts = FakeAttempts(self.messages)
        self.emitted: list[tuple[Topic, EventEnvelope[Any]]] = []
        self.processed: set[tuple[str, UUID]] = set()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def emit(self, topic: Topic, event: EventEnvelope[Any]) -> None:
        self.emitted.append((topic, event))

    async def already_processed(self, consumer: str, event_id: UUID) -> bool:
        return (consumer, event_id) in self.processed

    async def mark_processed(self, consumer: str, event_id: UUID) -> None:
        self.processed.add((consumer, event_id))
