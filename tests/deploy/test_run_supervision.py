"""`deploy/run.sh` restarts a component that stops, as Compose's `restart: unless-stopped`
does, and says so; one that stops again at once waits longer each time. The script's own
functions run here (sourced), on the demo receiver and on a component that exits at once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.infra import ROOT, free_port

# Sources run.sh (which then defines its functions only), points its state at the test's
# folder, adds a component "flaky" that exits as soon as it starts, and supervises.
SUPERVISED = r"""
set -euo pipefail
source "$RUN_SH"
RUN_DIR="$STATE/run"
LOG_DIR="$STATE/log"
PY="$PYTHON"
mkdir -p "$RUN_DIR" "$LOG_DIR"
COMPONENTS=(receiver flaky)
eval "original_$(declare -f component_command)"
eval "original_$(declare -f marker_of)"
eval "original_$(declare -f port_of)"
component_command() {
    if [[ "$1" == flaky ]]; then
        CMD=("$PY" -c 'import sys; sys.exit(3)' flaky-component)
    else
        original_component_command "$1"
    fi
}
marker_of() { if [[ "$1" == flaky ]]; then echo flaky-component; else original_marker_of "$1"; fi; }
port_of() { if [[ "$1" == flaky ]]; then echo "$FLAKY_PORT"; else original_port_of "$1"; fi; }
start_component receiver
start_component flaky
supervise
"""


class Supervisor:
    def __init__(self, state: Path, process: subprocess.Popen[bytes], output: Path, receiver_port: int) -> None:
        self.state, self.process, self.output, self.receiver_port = state, process, output, receiver_port

    def pid_of(self, name: str) -> int | None:
        try:
            return int((self.state / "run" / f"{name}.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def said(self) -> str:
        return self.output.read_text(errors="replace")

    def receiver_answers(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.receiver_port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    receiver_port = free_port()
    output = tmp_path / "supervisor.out"
    env = {
        **os.environ,
        "RUN_SH": str(ROOT / "deploy" / "run.sh"),
        "STATE": str(tmp_path),
        "PYTHON": sys.executable,
        "RECEIVER_PORT": str(receiver_port),
        "FLAKY_PORT": str(free_port()),
        "RECEIVER_LOG_FILE": str(tmp_path / "webhooks.jsonl"),
        "RECEIVER_SECRETS_FILE": str(tmp_path / "secrets.json"),
        "RESTART_FIRST_DELAY": "1",
        "RESTART_MAX_DELAY": "8",
        "RESTART_STABLE_SECONDS": "60",
    }
    with output.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", SUPERVISED], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Supervisor(tmp_path, process, output, receiver_port)
    try:
        yield running
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        for name in ("receiver", "flaky"):
            if (pid := running.pid_of(name)) is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def test_a_component_killed_is_started_again_and_the_restart_is_announced(supervisor: Supervisor) -> None:
    wait_until(supervisor.receiver_answers, "the receiver to start")
    first = supervisor.pid_of("receiver")
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: supervisor.pid_of("receiver") not in (None, first), "a new receiver process")
    wait_until(supervisor.receiver_answers, "the restarted receiver to answer")
    said = supervisor.said()
    assert "receiver has stopped (stop 1 in a row); restarting it in 1s" in said, said

    second = supervisor.pid_of("receiver")
    assert second is not None
    os.kill(second, signal.SIGKILL)  # at once again: it waits twice as long
    wait_until(lambda: supervisor.pid_of("receiver") not in (None, second), "a third receiver process")
    wait_until(supervisor.receiver_answers, "the receiver to answer again")
    assert "receiver has stopped (stop 2 in a row); restarting it in 2s" in supervisor.said()
    assert supervisor.process.poll() is None, "the supervisor goes on"


def test_a_component_that_exits_at_once_is_restarted_with_growing_waits_not_in_a_loop(
    supervisor: Supervisor,
) -> None:
    time.sleep(8)
    said = supervisor.said()
    restarts = [line for line in said.splitlines() if "flaky has stopped" in line]
    # Waits of 1, 2 and 4 s (each after the supervisor's look, once a second): three stops
    # in 8 s at most, where a wait of 1 s each time would count four.
    assert 2 <= len(restarts) <= 3, said
    assert "restarting it in 1s" in restarts[0] and "restarting it in 2s" in restarts[1], restarts
    assert supervisor.process.poll() is None
