"""Real Kafka and PostgreSQL for the tests, found or started in this order:

1. an address in the environment (TEST_KAFKA_BOOTSTRAP_SERVERS, TEST_POSTGRES_URL);
2. testcontainers, when a Docker engine answers;
3. the project's own scripts (deploy/kafka/kafka.sh, deploy/postgres/pg.sh).

If none works the fixture fails loudly: these tests are never skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]

KAFKA_IMAGE = "apache/kafka:4.1.2"  # the version deploy/kafka runs without Docker
TEST_KAFKA_PORT = int(os.environ.get("TEST_KAFKA_PORT", "39092"))
TEST_PG_PORT = int(os.environ.get("TEST_PG_PORT", "54339"))


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now and never handed out before in this run. The system may give a
    port it just freed twice: two services started together on one port would have the
    second wait for /ready on the first, and its requests answered 404 by the wrong
    service."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


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
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        port = free_port()
        container = (
            DockerContainer(KAFKA_IMAGE)
            .with_bind_ports(9092, port)
            .with_envs(
                KAFKA_NODE_ID="1",
                KAFKA_PROCESS_ROLES="broker,controller",
                KAFKA_LISTENERS="PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
                KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{port}",
                KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
                KAFKA_AUTO_CREATE_TOPICS_ENABLE="false",
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
                KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
                KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            )
        )
        with container:
            wait_for_logs(container, "Kafka Server started", timeout=120)
            yield f"127.0.0.1:{port}"
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
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    # A cluster of the run's own, as the broker's: some 400 tests make a database each, and
    # a cluster kept from run to run grew by gigabytes each time. A data directory named in
    # TEST_PG_DATA_DIR is the caller's, and kept.
    kept = "TEST_PG_DATA_DIR" in os.environ
    data_dir = Path(os.environ.get("TEST_PG_DATA_DIR", f"/var/tmp/bundling-test-postgres-{TEST_PG_PORT}"))
    env = {"PG_PORT": str(TEST_PG_PORT), "PG_DATA_DIR": str(data_dir), "PG_FAST": "1", "PG_DATABASES": "bundling_test"}
    script = str(ROOT / "deploy" / "postgres" / "pg.sh")
    if not kept and data_dir.exists():  # left by a run that was killed
        _run([script, "stop"], env)
        shutil.rmtree(data_dir)
    _run([script, "start"], env)
    try:
        yield f"postgresql+asyncpg://bundling:bundling@127.0.0.1:{TEST_PG_PORT}/postgres"
    finally:
        _run([script, "stop"], env)
        if not kept:
            shutil.rmtree(data_dir, ignore_errors=True)


async def create_database(maintenance_url: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await on_server(maintenance_url, f'CREATE DATABASE "{name}"')
    return maintenance_url.rsplit("/", 1)[0] + "/" + name


async def on_server(maintenance_url: str, *statements: str) -> None:
    """Runs `statements` in turn on the server's maintenance database (creating and
    dropping databases, which no transaction may hold)."""
    conn = await asyncpg.connect(plain_dsn(maintenance_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class OwnBroker:
    """A broker of the test's own, on ports of its own, that the test stops and starts
    again (an outage) without disturbing the broker every other test shares."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
            "KAFKA_DATA_DIR": str(data_dir),
            "KAFKA_HEAP_OPTS": "-Xms128m -Xmx384m",
            "KAFKA_STOP_TIMEOUT": "10",
        }
        self._script = str(ROOT / "deploy" / "kafka" / "kafka.sh")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        _run([self._script, "start"], self.env)

    def stop(self) -> None:
        _run([self._script, "stop"], self.env)


@contextmanager
def own_broker() -> Iterator[OwnBroker]:
    """Not started: the test starts it when it wants; stopped and deleted at the end."""
    data_dir = Path(tempfile.mkdtemp(prefix="bundling-test-own-kafka-"))
    broker = OwnBroker(data_dir)
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def plain_dsn(url: str) -> str:
    """An asyncpg URL of SQLAlchemy's as asyncpg itself takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def applied_by(url: str, consumer: str) -> int:
    """How many events `consumer` recorded as applied in the database at `url`."""
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        found: int = await conn.fetchval("SELECT count(*) FROM processed_messages WHERE consumer = $1", consumer)
        return found
    finally:
        await conn.close()


@asynccontextmanager
async def row_held(url: str, table: str, row_id: str) -> AsyncIterator[None]:
    """The row of `table` with this id locked (`FOR UPDATE`) by a transaction of its own,
    as an act changing it holds it, until the block ends."""
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        async with conn.transaction():
            await conn.execute(f"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", row_id)
            yield
    finally:
        await conn.close()
