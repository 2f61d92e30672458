"""What handlers need from a unit of work and from the outside world; the implementations
live in adapters."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bundling_shared.clock import Clock
from bundling_shared.unit_of_work import MessagingUnitOfWork
from notifications.domain.access import Scope
from notifications.domain.delivery import Delivery, DeliveryState, DueDelivery, Progress
from notifications.domain.endpoint import Endpoint
from notifications.domain.message import Message
from notifications.domain.supplier import Supplier
from notifications.domain.url_safety import CheckedUrl

Listed = Mapping[str, Any]
"""An object as a page lists it: the fields its answer shows, by name. Pages are read to
be shown, never changed, and a page of rows costs far less than a page of objects."""


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
    async def page(self, scope: Scope | None, limit: int, offset: int) -> tuple[Sequence[Listed], int]:
        """Oldest first, and how many there are; their secrets left out."""
        ...

    async def active(self) -> Sequence[Endpoint]: ...
    async def get_many(self, endpoint_ids: Collection[str], lock: bool = False) -> dict[str, Endpoint]: ...
    async def failing_since_of(self, endpoint_ids: Collection[str]) -> dict[str, datetime | None]: ...


class Messages(Protocol):
    def add(self, message: Message) -> None: ...
    async def get(self, message_id: str) -> Message | None: ...
    async def received(
        self, scope: Scope | None, event_types: Collection[str], limit: int, offset: int
    ) -> tuple[Sequence[Message], int]: ...


class Deliveries(Protocol):
    def add(self, delivery: Delivery) -> None: ...
    async def claimable(
        self, now: datetime, limit: int, skip_endpoints: Collection[str], skip_deliveries: Collection[str]
    ) -> list[DueDelivery]: ...
    async def lease(self, delivery_ids: Sequence[str], until: datetime) -> None: ...
    async def states(self, delivery_ids: Collection[str]) -> dict[str, DeliveryState]: ...
    async def progress(self, changes: Sequence[tuple[str, Progress, datetime]]) -> None: ...
    async def page_for_message(
        self, message_id: str, scope: Scope | None, limit: int, offset: int
    ) -> tuple[Sequence[Listed], int]:
        """Oldest first, as the message went out, and how many there are."""
        ...

    async def of(self, message_id: str, endpoint_id: str) -> Delivery | None: ...
    async def failed_between(self, endpoint_id: str, since: datetime, until: datetime) -> Sequence[Delivery]: ...
    def requeued(self) -> None:
        """Deliveries became due again: wake the dispatcher after the commit."""
        ...


class Attempts(Protocol):
    async def add_many(self, attempts: Sequence[dict[str, Any]]) -> None: ...
    async def page(
        self, endpoint_id: str, where: AttemptFilter, limit: int, offset: int
    ) -> tuple[Sequence[Listed], int]:
        """Newest first, and how many attempts the filter lets through."""
        ...


class Suppliers(Protocol):
    def add(self, supplier: Supplier) -> None: ...
    async def get(self, organisation: str) -> Supplier | None: ...
    async def cleared(self, organisations: Collection[str], day: date) -> set[str]:
        """Of `organisations`, those holding a valid security declaration on `day`."""
        ...


class UnitOfWork(MessagingUnitOfWork, Protocol):
    clock: Clock  # the service's one clock: what consumers stamp deliveries with is what the dispatcher claims by

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


UowFactory = Callable[[], UnitOfWork]


class UrlGuard(Protocol):
    """Resolves a URL's host and checks every address; raises UnsafeUrl when refused."""

    async def check(self, url: str) -> CheckedUrl: ...
