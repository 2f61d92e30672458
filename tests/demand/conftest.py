"""The demand service in-process on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bundling_shared.clock import FixedClock
from demand.config import DemandSettings
from demand.entrypoints.app import MIGRATIONS, create_app
from tests.demand.helpers import DEMAND_DAY
from tests.support.migrated import at_latest_schema


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEMAND_DAY)


@pytest.fixture
async def demand(database_url: str, clock: FixedClock) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    await at_latest_schema(database_url, MIGRATIONS)
    app = create_app(DemandSettings(database_url=database_url, run_migrations=False), clock=clock)
    service = app.state.service
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demand") as client:
        yield service, client
    await service.engine.dispose()
