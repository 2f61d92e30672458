"""Kafka away: a service started without it serves HTTP, is not ready, and connects once
the broker comes; an outage while services run costs a bounded number of log lines, and
the services carry on once the broker is back, without a restart. On a broker of the
tests' own, stopped and started here."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_walking_skeleton import WINDOW, eventually
from tests.support import infra
from tests.support.api import desk
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e

# Log lines one service process may write over a 20-second outage: its Kafka clients
# retry hundreds of times a second, written once per kind of line every 10 seconds.
OUTAGE_LINES_AT_MOST = 80
OUTAGE_SECONDS = 20


@pytest.fixture
def broker() -> Iterator[infra.OwnBroker]:
    with infra.own_broker() as own:
        yield own


def service(name: str, broker: infra.OwnBroker, tmp_path: Path) -> ServiceProcess:
    port = infra.free_port()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.address,
        "KAFKA_TOPIC_PREFIX": f"outage{uuid.uuid4().hex[:8]}.",
        "KAFKA_RECONNECT_MAX_SECONDS": "1",
        "LOG_JSON": "true",
        "OUTBOX_POLL_SECONDS": "0.2",
        f"{name.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / name}.db",
        f"{name.upper()}_PORT": str(port),
    }
    return ServiceProcess(name, port, env, tmp_path / f"{name}.log")


def register_need(demand: ServiceProcess, nation: str) -> str:
    body = {"nation": nation, "item_code": "AMMO-155MM", "quantity": 500, "delivery_window": WINDOW}
    response = httpx.post(f"{demand.url}/v1/needs", json=body, headers=desk(nation), timeout=10)
    assert response.status_code == 201, response.text
    need_id: str = response.json()["id"]
    return need_id


def bundled(demand: ServiceProcess, need_id: str, nation: str) -> bool:
    """Placed in a bundle: the need went out through the outbox and came back in through
    the aggregator's consumer."""
    answer = httpx.get(f"{demand.url}/v1/needs/{need_id}", headers=desk(nation), timeout=10)
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["status"] == "bundled" and answer.json()["bundle_id"] is not None)


def ready(process: ServiceProcess) -> bool:
    try:
        return httpx.get(f"{process.url}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_service_started_while_kafka_is_away_stays_up_and_connects_when_it_comes(
    broker: infra.OwnBroker, tmp_path: Path
) -> None:
    demand = service("demand", broker, tmp_path)
    demand.start(until="/health")
    try:
        time.sleep(3)  # several attempts at the broker, each refused
        assert demand.process is not None and demand.process.poll() is None, demand.log_tail()
        answer = httpx.get(f"{demand.url}/ready", timeout=10)
        assert answer.status_code == 503
        assert answer.json()["status"] == "not ready"
        assert answer.json()["checks"]["database"] == "ok"
        assert answer.json()["checks"]["kafka"].startswith("unavailable"), answer.json()
        need_id = register_need(demand, "NLD")  # the API works meanwhile; the event waits in the outbox

        broker.start()
        eventually(lambda: ready(demand), timeout=30, what="demand ready once the broker runs")
        eventually(lambda: bundled(demand, need_id, "NLD"), timeout=30, what="the need registered before to be bundled")
        assert demand.process.poll() is None
        assert "kafka.unreachable" in demand.log_text() and "kafka.connected" in demand.log_text()
    finally:
        demand.stop()


def test_an_outage_costs_few_log_lines_and_the_services_carry_on_without_a_restart(
    broker: infra.OwnBroker, tmp_path: Path
) -> None:
    broker.start()
    # Demand and notifications: the most consumers, the most lines without the limit
    # (5,311 and 4,771 in 20 s; contracts 1,561).
    services = [service(name, broker, tmp_path) for name in ("demand", "notifications")]
    try:
        with ThreadPoolExecutor(len(services)) as starting:  # side by side: imports take seconds each
            list(starting.map(lambda each: each.start(), services))
        demand = services[0]
        bundled_soon(demand, register_need(demand, "DEU"), "DEU")
        pids = [each.process.pid for each in services if each.process is not None]
        before = [len(each.log_text().splitlines()) for each in services]

        broker.stop()
        time.sleep(OUTAGE_SECONDS)
        during = [len(each.log_text().splitlines()) - n for each, n in zip(services, before, strict=True)]
        need_id = register_need(demand, "NLD")
        broker.start()

        for each in services:
            eventually(partial(ready, each), timeout=60, what=f"{each.name} ready again")
        bundled_soon(demand, need_id, "NLD")  # registered during the outage, bundled after it
        assert [each.process.pid for each in services if each.process is not None] == pids
        assert all(each.process is not None and each.process.poll() is None for each in services)
        written = {each.name: lines for each, lines in zip(services, during, strict=True)}
        print(f"log lines over a {OUTAGE_SECONDS}s outage: {written}")
        for each, lines in zip(services, during, strict=True):
            assert lines <= OUTAGE_LINES_AT_MOST, f"{each.name} wrote {lines} lines:\n{each.log_tail(40)}"
    finally:
        for each in services:
            each.stop()


def bundled_soon(demand: ServiceProcess, need_id: str, nation: str) -> None:
    eventually(lambda: bundled(demand, need_id, nation), timeout=60, what=f"{nation}'s need to be bundled")
