"""What every route takes: the unit of work, the settings, today and the moment from the
service's one clock, the ids a path may hold, and where a page of a list starts and how
long it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query
from pydantic import BaseModel

from bundling_shared.pagination import Page
from bundling_shared.service_app import from_service, now, today
from contracts.config import ContractsSettings
from contracts.service_layer.unit_of_work import Found, UowFactory

Uow = Annotated[UowFactory, Depends(from_service("uow"))]
Settings = Annotated[ContractsSettings, Depends(from_service("settings"))]
Today = Annotated[date, Depends(today)]
Now = Annotated[datetime, Depends(now)]

PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""The id of an object in a path: an id the platform never hands out is refused before any
database sees it (PostgreSQL cannot even compare a text holding a NUL byte)."""
PathNation = Annotated[str, Path(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
MAX_OFFSET = 1_000_000
"""Far beyond any list here; an offset the database cannot hold as an integer is refused."""

MAX_LIMIT = 500
"""The longest page any list answers."""
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items on the page, at most 500.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items passed over before the page.")]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Paging:
    """Where the page a caller asks for starts, and how long it is."""

    limit: int
    offset: int

    def of(self, found: Found[T], answer: Callable[[T], M]) -> Page[M]:
        """The page as every list answers it: its items, where it starts, how many in all."""
        return Page(items=[answer(x) for x in found.items], limit=self.limit, offset=self.offset, total=found.total)


async def _paging(limit: Limit = 100, offset: Offset = 0) -> Paging:
    return Paging(limit, offset)


Paged = Annotated[Paging, Depends(_paging)]
