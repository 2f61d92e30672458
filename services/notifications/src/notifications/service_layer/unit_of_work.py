"""What handlers need from a unit of work and from the outside world; the implementations
live in adapters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bundling_shared.unit_of_work import MessagingUnitOfWork
from notifications.domain.access import Scope
from notifications.domain.model import (
    Attempt,
    Delivery,
    DeliveryState,
    DueDelivery,
    Endpoint,
    Message,
    Progress,
    Supplier,
)
from notifications.domain.url_safety import CheckedUrl


@dataclass(frozen=True)
class AttemptFilter:
    """Narrows an attempt log: by outcome, message, event type and time (since inclusive,
    until exclusive)."""

    succeeded: bool | None = None
    message_id: str | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class Endpoints(Protocol):
    def add(self, endpoint: Endpoint) -> None: ...
    async def get(self, endpoint_id: str) -> Endpoint | None: ...
    async def delete(self, endpoint: Endpoint) -> None: ...
    async def list(self, scope: Scope | None, limit: int, offset: int) -> Sequence[Endpoint]: ...
    async def active(self) -> Sequence[Endpoint]: ...
    async def get_many(self, endpoint_ids: Collection[str], lock: bool = False) -> dict[str, Endpoint]: ...
    async def failing_since_of(self, endpoint_ids: Collection[str]) -> dict[str, datetime | None]: ...


class Messages(Protocol):
    def add(self, message: Message) -> None: ...
    async def get(self, message_id: str) -> Message | None: ...


class Deliveries(Protocol):
    def add(self, delivery: Delivery) -> None: ...
    async def get(self, delivery_id: str) -> Delivery | None: ...
    async def claimable(
        self, now: datetime, limit: int, skip_endpoints: Collection[str], skip_deliveries: Collection[str]
    ) -> list[DueDelivery]: ...
    async def lease(self, delivery_ids: Sequence[str], until: datetime) -> None: ...
    async def states(self, delivery_ids: Collection[str]) -> dict[str, DeliveryState]: ...
    async def progress(self, changes: Sequence[tuple[str, Progress, datetime]]) -> None: ...
    async def for_message(self, message_id: str, scope: Scope | None) -> Sequence[Delivery]: ...
    async def of(self, message_id: str, endpoint_id: str) -> Delivery | None: ...
    async def failed_between(self, endpoint_id: str, since: datetime, until: datetime) -> Sequence[Delivery]: ...
    def requeued(self) -> None:
        """Deliveries became due again: wake the dispatcher after the commit."""
        ...


class Attempts(Protocol):
    async def add_many(self, attempts: Sequence[dict[str, Any]]) -> None: ...
    async def for_endpoint(
        self, endpoint_id: str, limit: int, offset: int, where: AttemptFilter
    ) -> Sequence[Attempt]: ...


class Suppliers(Protocol):
    def add(self, supplier: Supplier) -> None: ...
    async def get(self, organisation: str) -> Supplier | None: ...


class UnitOfWork(MessagingUnitOfWork, Protocol):
    @property
    def endpoints(self) -> Endpoints: ...
    @property
    def messages(self) -> Messages: ...
    @property
    def deliveries(self) -> Deliveries: ...
    @property
    def attempts(self) -> Attempts: ...
    @property
    def suppliers(self) -> Suppliers: ...


class UrlGuard(Protocol):
    """Resolves a URL's host and checks every address; raises UnsafeUrl when refused."""

    async def check(self, url: str) -> CheckedUrl: ...
