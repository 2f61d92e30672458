"""What every route needs: the unit of work, today's date, the moment and the settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request

from contracts.config import ContractsSettings
from contracts.service_layer.handlers import UowFactory


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


def _settings(request: Request) -> ContractsSettings:
    settings: ContractsSettings = request.app.state.service.settings
    return settings


def _today() -> date:
    return date.today()


def _now() -> datetime:
    return datetime.now(UTC)


Uow = Annotated[UowFactory, Depends(_uow)]
Settings = Annotated[ContractsSettings, Depends(_settings)]
Today = Annotated[date, Depends(_today)]
Now = Annotated[datetime, Depends(_now)]
