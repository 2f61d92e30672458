"""The database the shared code is tried on: the demand service's, migrated, on both
databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import make_engine, migrate
from demand.adapters import orm
from demand.entrypoints.app import MIGRATIONS


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    orm.start_mappers()
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    yield engine
    await engine.dispose()
