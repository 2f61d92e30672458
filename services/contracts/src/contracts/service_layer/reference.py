"""The reference registries, specifications and suppliers, as callers read them: an entry
the caller may not see is absent to it, asked for by its id or in the list (each
registry's list is found by the database, a page at a time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from bundling_shared.auth import Principal
from contracts.domain.errors import NotFound
from contracts.service_layer.unit_of_work import UnitOfWork

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Entries(Protocol[T_co]):
    async def get(self, entry_id: str, /) -> T_co | None: ...


@dataclass(frozen=True)
class Registry(Generic[T]):
    entries_of: Callable[[UnitOfWork], Entries[T]]
    sees: Callable[[Principal, T], bool]
    what: str  # an entry, as an absent one is named

    async def entry(self, uow: UnitOfWork, principal: Principal, entry_id: str) -> T:
        async with uow:
            found = await self.entries_of(uow).get(entry_id)
        if found is None or not self.sees(principal, found):
            raise NotFound(f"{self.what} {entry_id} not found")
        return found
