"""One platform for the whole edge package: the three services as separate processes on
the real broker and PostgreSQL, started once, because the route matrix and the
schemathesis run send hundreds of requests and a platform per test would cost more than
the requests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from tests.support import infra
from tests.support.infra import free_port
from tests.support.processes import ServiceProcess, start_together

SERVICES = ("demand", "contracts", "notifications")


@pytest.fixture(scope="package")
def services(
    kafka_bootstrap: str, postgres_maintenance_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    logs = tmp_path_factory.mktemp("edge")
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"edge{uuid.uuid4().hex[:8]}.",
        "KAFKA_CONSUMER_BACKOFF_SECONDS": "0.1",
        "LOG_JSON": "true",
        "OUTBOX_POLL_SECONDS": "0.2",
        "DEMAND_PUBLISH_QUIET_SECONDS": "0.2",
        "DEMAND_PUBLISH_MAX_WAIT_SECONDS": "1",
        "NOTIFICATIONS_ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFICATIONS_ALLOW_HTTP": "true",
    }
    running: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            prefix = name.upper()
            env = {
                **common,
                f"{prefix}_DATABASE_URL": asyncio.run(infra.create_database(postgres_maintenance_url)),
                f"{prefix}_PORT": str(free_port()),
            }
            running[name] = ServiceProcess(name, int(env[f"{prefix}_PORT"]), env, logs / f"{name}.log")
        start_together(list(running.values()))
        yield running
    finally:
        for service in running.values():
            service.stop()
