"""Session-wide real infrastructure: one Kafka broker and one PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import infra


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    with infra.kafka() as address:
        yield address


@pytest.fixture(scope="session")
def postgres_maintenance_url() -> Iterator[str]:
    with infra.postgres() as url:
        yield url


@pytest.fixture
async def postgres_url(postgres_maintenance_url: str) -> str:
    return await infra.create_database(postgres_maintenance_url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Persistence tests run on both the embedded default and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        maintenance: str = request.getfixturevalue("postgres_maintenance_url")
        yield await infra.create_database(maintenance)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("LOG_JSON", "false")
