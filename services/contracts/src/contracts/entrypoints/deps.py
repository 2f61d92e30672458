"""What every route takes: the unit of work, the settings, today and the moment from the
service's one clock, and the ids a path may hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from bundling_shared.clock import Clock
from contracts.bootstrap import ContractsService
from contracts.config import ContractsSettings
from contracts.service_layer.unit_of_work import UowFactory


def _service(request: Request) -> ContractsService:
    service: ContractsService = request.app.state.service
    return service


def _uow(request: Request) -> UowFactory:
    return _service(request).uow


def _settings(request: Request) -> ContractsSettings:
    return _service(request).settings


def _clock(request: Request) -> Clock:
    return _service(request).clock


def _today(clock: Annotated[Clock, Depends(_clock)]) -> date:
    return clock.today()


def _now(clock: Annotated[Clock, Depends(_clock)]) -> datetime:
    return clock.now()


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
