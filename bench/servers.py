"""What the HTTP benchmarks start and stop: a Kafka broker, a PostgreSQL database of their
own, and servers as processes of their own, each waited for until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
JWT_SECRET = "bench-secret-" + "x" * 32


@contextmanager
def kafka() -> Iterator[str]:
    """BENCH_KAFKA_BOOTSTRAP if it names a broker; otherwise one started for the run on
    BENCH_KAFKA_PORT (39492) and +1, stopped at the end."""
    if address := os.environ.get("BENCH_KAFKA_BOOTSTRAP"):
        yield address
        return
    port = int(os.environ.get("BENCH_KAFKA_PORT", "39492"))
    env = {
        **os.environ,
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "KAFKA_DATA_DIR": os.environ.get("BENCH_KAFKA_DATA_DIR", "/tmp/bench-kafka"),
    }
    script = str(ROOT / "deploy" / "kafka" / "kafka.sh")
    subprocess.run([script, "start"], env=env, check=True, capture_output=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([script, "stop"], env=env, check=False, capture_output=True)


async def fresh_database(maintenance_url: str) -> str:
    """A new, empty PostgreSQL database on the server of `maintenance_url`; its URL."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(maintenance_url).set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    """A port nothing listens on: the first free one of BENCH_PORTS ("first-last"), for a
    machine whose users share out port ranges, or else one the system picks."""
    first, _, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for candidate in range(int(first), int(last or first) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port: int = s.getsockname()[1]
            return port
    raise OSError(f"no free port in BENCH_PORTS {first}-{last}")


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server ended with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def server(
    args: Sequence[str], *, env: Mapping[str, str], ready_url: str, log: Path, cpu: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A Python server process (`python <args>`) with the project's environment and `env`,
    its output in `log`, stopped at the end. `cpu` pins it to one core, so that it and the
    load driver do not take turns on the same one."""
    command = [sys.executable, *args]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_until_answering(ready_url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
