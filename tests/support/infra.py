"""Real Kafka and PostgreSQL for the tests, found or started in this order:

1. an address in the environment (TEST_KAFKA_BOOTSTRAP_SERVERS, TEST_POSTGRES_URL);
2. testcontainers, when a Docker engine answers;
3. the project's own scripts (deploy/kafka/kafka.sh, deploy/postgres/pg.sh).

If none works the fixture fails loudly: these tests are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TEST_KAFKA_PORT = int(os.environ.get("TEST_KAFKA_PORT", "39092"))
TEST_PG_PORT = int(os.environ.get("TEST_PG_PORT", "54339"))


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


@contextmanager
def kafka() -> Iterator[str]:
    """Yields bootstrap servers of a real broker."""
    if address := os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS"):
        yield address
        return
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.2").with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    data_dir = tempfile.mkdtemp(prefix="bundling-test-kafka-")
    env = {
        "KAFKA_PORT": str(TEST_KAFKA_PORT),
        "KAFKA_CONTROLLER_PORT": str(TEST_KAFKA_PORT + 1),
        "KAFKA_DATA_DIR": data_dir,
        "KAFKA_HEAP_OPTS": "-Xms256m -Xmx768m",
    }
    script = str(ROOT / "deploy" / "kafka" / "kafka.sh")
    _run([script, "start"], env)
    try:
        yield f"127.0.0.1:{TEST_KAFKA_PORT}"
    finally:
        _run([script, "stop"], env)
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def postgres() -> Iterator[str]:
    """Yields an asyncpg URL to a maintenance database of a real PostgreSQL server."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    env = {
        "PG_PORT": str(TEST_PG_PORT),
        "PG_DATA_DIR": os.environ.get("TEST_PG_DATA_DIR", "/var/tmp/bundling-test-postgres"),
        "PG_FAST": "1",
        "PG_DATABASES": "bundling_test",
    }
    script = str(ROOT / "deploy" / "postgres" / "pg.sh")
    _run([script, "start"], env)
    try:
        yield f"postgresql+asyncpg://bundling:bundling@127.0.0.1:{TEST_PG_PORT}/postgres"
    finally:
        _run([script, "stop"], env)


async def create_database(maintenance_url: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = maintenance_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return maintenance_url.rsplit("/", 1)[0] + "/" + name
