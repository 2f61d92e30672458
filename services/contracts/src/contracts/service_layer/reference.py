"""The reference registries, specifications and suppliers, as callers read them: an entry
the caller may not see is absent to it, asked for by its id or in the list (each
registry's list is found by the database, a page at a time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bundling_shared.auth import Principal
from contracts.domain.errors import NotFound
from contracts.service_layer.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class Registry(Generic[T]):
    read: Callable[[UnitOfWork, str], Awaitable[T | None]]  # an entry as shown, without what is paged
    sees: Callable[[Principal, T], bool]
    what: str  # an entry, as an absent one is named

    async def entry(self, uow: UnitOfWork, principal: Principal, entry_id: str) -> T:
        async with uow:
            return await self.seen(uow, principal, entry_id)

    async def seen(self, uow: UnitOfWork, principal: Principal, entry_id: str) -> T:
        """As `entry`, in a unit of work already open (before a page of what it keeps)."""
        found = await self.read(uow, entry_id)
        if found is None or not self.sees(principal, found):
            raise NotFound(f"{self.what} {entry_id} not found")
        return found
