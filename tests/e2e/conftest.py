"""The whole platform: three service processes on the real broker and PostgreSQL, and a
webhook receiver on loopback. Each test gets its own topics (prefix) and databases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.infra import free_port
from tests.support.processes import ServiceProcess, start_together
from tests.support.receiver import Receiver, webhook_receiver


@dataclass
class Platform:
    demand: ServiceProcess
    contracts: ServiceProcess
    notifications: ServiceProcess
    receiver: Receiver

    @property
    def services(self) -> list[ServiceProcess]:
        return [self.demand, self.contracts, self.notifications]


@pytest.fixture
async def platform(kafka_bootstrap: str, postgres_maintenance_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    async with running(kafka_bootstrap, postgres_maintenance_url, tmp_path) as platform:
        yield platform


@pytest.fixture
async def traced_platform(
    kafka_bootstrap: str, postgres_maintenance_url: str, tmp_path: Path
) -> AsyncIterator[Platform]:
    """Each service writes its finished spans to `<service>-spans.jsonl` in `tmp_path`."""
    async with running(kafka_bootstrap, postgres_maintenance_url, tmp_path, traced=True) as platform:
        yield platform


@asynccontextmanager
async def running(
    kafka_bootstrap: str, postgres_maintenance_url: str, tmp_path: Path, *, traced: bool = False
) -> AsyncIterator[Platform]:
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"e2e{uuid.uuid4().hex[:8]}.",
        "KAFKA_CONSUMER_BACKOFF_SECONDS": "0.1",
        "LOG_JSON": "true",
        "OUTBOX_POLL_SECONDS": "0.2",
        "NOTIFICATIONS_ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFICATIONS_ALLOW_HTTP": "true",
    }
    services = {}
    for name in ("demand", "contracts", "notifications"):
        prefix = name.upper()
        env = {
            **common,
            f"{prefix}_DATABASE_URL": await infra.create_database(postgres_maintenance_url),
            f"{prefix}_PORT": str(free_port()),
        }
        if traced:
            env["TRACING_FILE"] = str(tmp_path / f"{name}-spans.jsonl")
        services[name] = ServiceProcess(name, int(env[f"{prefix}_PORT"]), env, tmp_path / f"{name}.log")
    with webhook_receiver() as receiver:
        platform = Platform(receiver=receiver, **services)
        try:
            start_together(platform.services)
            yield platform
        finally:
            for service in platform.services:
                service.stop()
