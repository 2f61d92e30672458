"""What every route needs: the unit of work, today's date, the moment and the settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from contracts.bootstrap import ContractsService
from contracts.config import ContractsSettings
from contracts.service_layer.handlers import UowFactory


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


def _settings(request: Request) -> ContractsSettings:
    settings: ContractsSettings = request.app.state.service.settings
    return settings


def _today(request: Request) -> date:
    service: ContractsService = request.app.state.service
    return service.clock.today()


def _now(request: Request) -> datetime:
    service: ContractsService = request.app.state.service
    return service.clock.now()


Uow = Annotated[UowFactory, Depends(_uow)]
Settings = Annotated[ContractsSettings, Depends(_settings)]
Today = Annotated[date, Depends(_today)]
Now = Annotated[datetime, Depends(_now)]

PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""The id of an object in a path: an id the platform never hands out is refused before any
database sees it (PostgreSQL cannot even compare a text holding a NUL byte)."""
PathNation = Annotated[str, Path(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
MAX_OFFSET = 1_000_000
"""Far beyond any list here; an offset the database cannot hold as an integer is refused."""
