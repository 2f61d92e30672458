"""What the Kubernetes setup Jobs run (deploy/k8s/base/setup-jobs.yaml): each service's
migration entry point brings an empty database to the latest schema, and the topic
entry point creates every topic with its partitions and its dead-letter topic."""

from __future__ import annotations

import os
import runpy
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from alembic.config import Config
from alembic.script import ScriptDirectory

from bundling_shared import topics
from contracts.entrypoints.app import MIGRATIONS as CONTRACTS_MIGRATIONS
from demand.entrypoints.app import MIGRATIONS as DEMAND_MIGRATIONS
from notifications.entrypoints.app import MIGRATIONS as NOTIFICATIONS_MIGRATIONS

MIGRATIONS = {"demand": DEMAND_MIGRATIONS, "contracts": CONTRACTS_MIGRATIONS, "notifications": NOTIFICATIONS_MIGRATIONS}


def head_of(migrations: str) -> str:
    config = Config()
    config.set_main_option("script_location", migrations)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.mark.parametrize("service", sorted(MIGRATIONS))
def test_the_migration_job_brings_an_empty_database_to_the_latest_schema(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / f"{service}.db"
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    with pytest.raises(SystemExit) as exited:
        runpy.run_module(f"{service}.entrypoints.migrate", run_name="__main__", alter_sys=False)
    assert exited.value.code == 0
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert version == head_of(MIGRATIONS[service])
    assert "outbox" in tables


async def test_the_topic_job_creates_every_topic_with_its_partitions(kafka_bootstrap: str) -> None:
    prefix = f"job-{uuid.uuid4().hex[:8]}."
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": prefix}
    subprocess.run(
        [sys.executable, "-m", "bundling_shared.messaging.create_topics"], env=env, check=True, capture_output=True
    )
    wanted = {prefix + t.name.removeprefix(topics.PREFIX): t.partitions for t in topics.with_dead_letters(*topics.ALL)}
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(wanted))
    finally:
        await admin.close()
    found = {d["topic"]: len(d["partitions"]) for d in described if d["error_code"] == 0}
    assert found == wanted
    assert wanted[prefix + "demand.needs"] == 6 and wanted[prefix + "demand.needs.dlq"] == 1
