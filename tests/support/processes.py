"""The three services as separate operating-system processes, as they run in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.infra import free_port
from tests.support.today import clock_start

ON_THE_RUNS_DAY = frozenset({"demand", "contracts"})
"""The services whose rules turn on the date a test seeds with. Notifications keeps the
system clock: the time it signs a webhook with is checked by the receiver against its own
clock, as a company's endpoint would."""


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _since: int = field(default=0, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60, until: str = "/ready") -> None:
        """Starts and waits for /ready (or `until`: /health for a service whose
        dependencies are away)."""
        self.launch()
        self.wait_ready(timeout, until)

    def launch(self) -> None:
        """Starts the process without waiting for it: services started together import
        and connect side by side (`start_together`). Demand and contracts in development
        mode live on the run's day (`tests.support.today`) unless the test chose another."""
        log = self.log_path.open("ab")
        self._since = log.tell()
        env = {**os.environ, **self.env}
        if self.name in ON_THE_RUNS_DAY and env.get("AUTH_MODE") == "development":
            env.setdefault("CLOCK_START", clock_start())
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.name], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60, until: str = "/ready") -> None:
        """Waits for `until`. A free port can be taken between the moment it was picked
        and the service binding it (by any outgoing connection's ephemeral port): then the
        service starts again on another."""
        for _ in range(3):
            if self._ready(timeout, until):
                return
            self.port = free_port()
            self.env[f"{self.name.upper()}_PORT"] = str(self.port)
            self.launch()
        raise RuntimeError(f"{self.name} found no free port:\n{self.log_tail()}")

    def _ready(self, timeout: float, until: str) -> bool:
        """True once ready; False if the port was taken meanwhile."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if b"address already in use" in self.log_path.read_bytes()[self._since :]:
                    return False
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}{until}", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_together(services: Sequence[ServiceProcess], timeout: float = 60) -> None:
    """Starts the services side by side and waits until each is ready: one after the
    other, each waited for, took the sum of their start-ups."""
    for service in services:
        service.launch()
    for service in services:
        service.wait_ready(timeout)
