"""What every route takes: the unit of work, the settings, today and the moment from the
service's one clock, and the ids a path may hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path

from bundling_shared.service_app import from_service, now, today
from contracts.config import ContractsSettings
from contracts.service_layer.unit_of_work import UowFactory

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
