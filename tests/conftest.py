"""Session-wide real infrastructure: one Kafka broker and one PostgreSQL server."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import infra

# The collector's thresholds as the interpreter set them, before any service started here.
_GC_THRESHOLD = gc.get_threshold()


@pytest.fixture(autouse=True)
def collector_restored_after_each_test() -> Iterator[None]:
    """A service's lifespan settles the heap (bundling_shared.runtime.settle_heap): it
    freezes every object alive and enlarges the young generation, which suits a service
    process but not a test process that starts services by the hundred. Undone after each
    test, so no test runs with another's collector settings, and what earlier tests froze
    can be collected again."""
    yield
    gc.unfreeze()
    gc.set_threshold(*_GC_THRESHOLD)


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
    os.environ.setdefault("AUTH_MODE", "development")
