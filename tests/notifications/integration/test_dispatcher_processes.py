"""More than one dispatcher on one PostgreSQL database: each delivery is sent once, the
work is shared, and `python -m notifications dispatch` runs as a process of its own (and
refuses SQLite, where two dispatchers could claim the same delivery); dispatcher
processes coming and going, one of them killed, still send one webhook per message and
endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from bundling_shared.db import migrate
from notifications.adapters import orm
from notifications.bootstrap import NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.delivery import DeliveryStatus
from notifications.entrypoints.app import MIGRATIONS
from notifications.entrypoints.dispatch import NeedsPostgres, check_database
from tests.notifications.conftest import DNS, FakeClock, fake_dns
from tests.notifications.integration.conftest import LoopbackOnly, Receiver, add_endpoint, announce, make_settings
from tests.support.infra import free_port

ENDPOINTS = 20
MESSAGES = 10


class Counted(LoopbackOnly):
    """Loopback only, and counts what this dispatcher sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await super().handle_async_request(request)


@contextlib.asynccontextmanager
async def dispatcher_service(settings: NotificationsSettings, clock: FakeClock) -> AsyncIterator[NotificationsService]:
    """A service wired as a process of its own would be: its own engine and connections."""
    service = bootstrap(settings, resolve=fake_dns(DNS), clock=clock, wrap_transport=Counted)
    try:
        yield service
    finally:
        await service.http.aclose()
        await service.engine.dispose()


async def pending(service: NotificationsService) -> int:
    d = orm.deliveries
    async with service.engine.connect() as conn:
        query = select(func.count()).select_from(d).where(d.c.status == DeliveryStatus.PENDING)
        return int((await conn.execute(query)).scalar_one())


async def wait_for(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_two_dispatchers_on_postgres_send_each_delivery_once_and_share_the_work(
    tmp_path: Path, postgres_url: str, receiver: Receiver
) -> None:
    clock = FakeClock()
    settings = make_settings(tmp_path, database_url=postgres_url, max_in_flight=10, poll_seconds=0.02)
    receiver.keep_alive = True
    async with dispatcher_service(settings, clock) as first, dispatcher_service(settings, clock) as second:
        await migrate(first.engine, MIGRATIONS)
        for n in range(ENDPOINTS):
            await add_endpoint(first, f"ORG{n:02d}", receiver.url(f"/org-{n:02d}"))
        for n in range(MESSAGES):
            await announce(first, f"contract-{n}")
        assert await pending(first) == ENDPOINTS * MESSAGES
        workers = [asyncio.create_task(s.dispatcher.run()) for s in (first, second)]
        try:
            await wait_for(lambda: _none_pending(first), "every delivery sent")
        finally:
            for service in (first, second):
                service.dispatcher.stop()
            await asyncio.gather(*workers)
        sent = [s.http.sent for s in (first, second) if isinstance(s.http, Counted)]
        async with first.engine.connect() as conn:
            attempts = (await conn.execute(select(func.count()).select_from(orm.attempts))).scalar_one()
    copies = Counter((hit.path, hit.headers["webhook-id"]) for hit in receiver.hits)
    assert len(copies) == ENDPOINTS * MESSAGES
    assert set(copies.values()) == {1}, "no webhook was sent twice"
    assert attempts == ENDPOINTS * MESSAGES
    assert sum(sent) == ENDPOINTS * MESSAGES
    assert min(sent) > 0, f"both dispatchers took part: {sent}"


async def _none_pending(service: NotificationsService) -> bool:
    return await pending(service) == 0


async def _scrape(port: int) -> str:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    except httpx.HTTPError:
        return ""  # not serving yet


def test_a_dispatcher_process_refuses_sqlite() -> None:
    with pytest.raises(NeedsPostgres, match="needs PostgreSQL"):
        check_database("sqlite+aiosqlite:///./var/notifications.db")
    check_database("postgresql+asyncpg://bundling:bundling@127.0.0.1:5432/notifications")


async def test_python_m_notifications_dispatch_sends_and_stops_on_sigterm(
    tmp_path: Path, postgres_url: str, receiver: Receiver
) -> None:
    clock = FakeClock()
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with dispatcher_service(settings, clock) as service:
        await migrate(service.engine, MIGRATIONS)
        endpoint = await add_endpoint(service, "NAMMO", receiver.url("/from-process"))
        await announce(service)
        env = {
            **os.environ,
            "NOTIFICATIONS_DATABASE_URL": postgres_url,
            "NOTIFICATIONS_ALLOW_HTTP": "true",
            "NOTIFICATIONS_ALLOWED_HOSTS": "127.0.0.1",
            "NOTIFICATIONS_POLL_SECONDS": "0.1",
            "NOTIFICATIONS_DISPATCHER_METRICS_PORT": str(metrics_port := free_port()),
        }
        scraped = [""]

        async def counted() -> bool:
            scraped[0] = await _scrape(metrics_port)
            return 'bundling_webhook_deliveries_total{outcome="delivered",service="notifications"} 1.0' in scraped[0]

        log_path = tmp_path / "dispatcher.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "notifications", "dispatch"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                await wait_for(lambda: _none_pending(service), "the dispatcher process to send the webhook")
                await wait_for(counted, "the dispatcher's own metrics to count the delivery")
                process.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(process.wait, 15)
            finally:
                if process.poll() is None:
                    process.kill()
    output = log_path.read_text()
    assert code == 0, output
    [hit] = receiver.hits
    assert hit.path == "/from-process"
    assert Webhook(endpoint.secret).verify(hit.body, hit.headers)["data"]["contract_id"] == "contract-155mm"
    assert "dispatcher.started" in output and "dispatcher.stopped" in output
    assert 'bundling_webhook_endpoints{health="healthy",service="notifications"} 1.0' in scraped[0]


SCALE_ENDPOINTS = 40
SCALE_MESSAGES = 40
IN_FLIGHT = 20  # per dispatcher: what one killed can leave half-sent, to be sent again


def dispatcher_process(postgres_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NOTIFICATIONS_DATABASE_URL": postgres_url,
        "NOTIFICATIONS_ALLOW_HTTP": "true",
        "NOTIFICATIONS_ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFICATIONS_POLL_SECONDS": "0.05",
        "NOTIFICATIONS_MAX_IN_FLIGHT": str(IN_FLIGHT),
        "NOTIFICATIONS_REQUEST_TIMEOUT_SECONDS": "2",
        "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "notifications", "dispatch"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def test_dispatcher_processes_one_killed_and_one_started_send_one_webhook_per_message_and_endpoint(
    tmp_path: Path, postgres_url: str, receiver: Receiver
) -> None:
    clock = FakeClock()
    settings = make_settings(tmp_path, database_url=postgres_url)
    receiver.keep_alive = True
    total = SCALE_ENDPOINTS * SCALE_MESSAGES
    processes: list[subprocess.Popen[bytes]] = []
    async with dispatcher_service(settings, clock) as service:
        await migrate(service.engine, MIGRATIONS)
        for n in range(SCALE_ENDPOINTS):
            await add_endpoint(service, f"ORG{n:02d}", receiver.url(f"/org-{n:02d}"))
        for n in range(SCALE_MESSAGES):
            await announce(service, f"contract-{n}")
        try:
            processes += [dispatcher_process(postgres_url, tmp_path / f"dispatcher-{n}.log") for n in (1, 2)]
            await wait_for(lambda: _sent_at_least(receiver, total // 4), "a quarter of the webhooks", timeout=60)
            processes[0].kill()  # SIGKILL, with attempts in flight
            await asyncio.to_thread(processes[0].wait, 10)
            processes.append(dispatcher_process(postgres_url, tmp_path / "dispatcher-3.log"))
            await wait_for(lambda: _none_pending(service), "every delivery sent", timeout=60)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                await asyncio.to_thread(process.wait, 15)
        d = orm.deliveries
        async with service.engine.connect() as conn:
            rows = (await conn.execute(select(d.c.status, func.count()).group_by(d.c.status))).all()
            statuses: dict[str, int] = {status: count for status, count in rows}
    assert statuses == {DeliveryStatus.SUCCEEDED: total}
    copies = Counter((hit.path, hit.headers["webhook-id"]) for hit in receiver.hits)
    assert len(copies) == total, "every message reached every endpoint, under one webhook id each"
    ids: dict[tuple[str, str], set[str]] = {}
    for hit in receiver.hits:
        ids.setdefault((hit.path, json.loads(hit.body)["data"]["contract_id"]), set()).add(hit.headers["webhook-id"])
    assert len(ids) == total and {len(each) for each in ids.values()} == {1}, "one webhook per message and endpoint"
    again = sum(n - 1 for n in copies.values())
    # Sent twice only what the killed dispatcher had in flight: the receiver told them
    # apart by their webhook id, which a repeat keeps.
    print(f"{total} deliveries by dispatchers coming and going; sent again after the kill: {again}")
    assert again <= IN_FLIGHT, f"{again} webhooks sent again"


def _sent_at_least(receiver: Receiver, count: int) -> Awaitable[bool]:
    async def enough() -> bool:
        return len(receiver.hits) >= count

    return enough()
