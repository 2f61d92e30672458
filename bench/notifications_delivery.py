"""Webhook delivery speed of the notifications dispatcher, on loopback only.

    uv run python bench/notifications_delivery.py [--postgres URL] [--deliveries N]

Two measurements, each printed side by side with its reference run:

1. Throughput: N deliveries to 100 local endpoints, each one signed (Standard Webhooks),
   logged (a JSON log line and an attempt row) and its state kept in the database, sent
   by the real dispatcher and HTTP sender. The same deliveries are then sent with the
   HTTP exchange replaced by an instant answer (URL check and signing still done): the
   ratio of the two wall times is the share of time spent outside HTTP. Then the same
   number of deliveries to 100 nations' desk endpoints: pledges, each told to its
   contributor's desk and its lead's.
2. Isolation: a steady stream of messages to 100 endpoints, once with all endpoints
   healthy and once with 10 of them hanging (they accept the request and never answer);
   the p99 latency from message creation to the healthy endpoints' answer is compared.

The receivers run in a second process (the machine has two cores: one for the service,
one for the receivers), on 127.0.0.1 with ports picked by the operating system. Each run
gets a fresh database: SQLite files by default, or new databases on the PostgreSQL
server whose maintenance URL is given with --postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.auth import Principal, Role
from bundling_shared.clock import SystemClock
from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.contracts import ContractCreatedPayload, ContractCreatedV1, ContractLine
from bundling_shared.events.demand import DeliveryWindow, PledgeMadeV1, PledgePayload
from bundling_shared.logging import configure_logging
from notifications.adapters import orm
from notifications.adapters.signing import signature_headers
from notifications.adapters.unit_of_work import NotificationsUnitOfWork
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.adapters.webhook_sender import HttpWebhookSender, make_webhook_transport
from notifications.domain.delivery import AttemptResult, DeliveryJob, DeliveryStatus
from notifications.domain.endpoint import EndpointStatus
from notifications.domain.url_safety import UrlPolicy
from notifications.entrypoints.app import MIGRATIONS
from notifications.service_layer import endpoints, messages
from notifications.service_layer.dispatcher import Dispatcher, WebhookSender
from notifications.service_layer.messages import BUNDLES_CONSUMER, CONTRACTS_CONSUMER, Links

ENDPOINTS = 100
HANGING = 10
LINKS = Links()
ADMIN = Principal(subject="bench", role=Role.ADMIN)
CLOCK = SystemClock()


# --- the receivers (second process) ------------------------------------------------------


async def _answer(hang: bool, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                return
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            if hang:
                await reader.read()  # until the sender gives up and closes
                return
            writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _serve(count: int, hanging: int, pipe: Connection) -> None:
    servers = [await asyncio.start_server(partial(_answer, n < hanging), "127.0.0.1", 0) for n in range(count)]
    pipe.send([s.sockets[0].getsockname()[1] for s in servers])
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop
    for server in servers:
        server.close()


def _receivers_main(count: int, hanging: int, pipe: Connection) -> None:
    asyncio.run(_serve(count, hanging, pipe))


@contextlib.contextmanager
def receivers(count: int, hanging: int = 0) -> Any:
    """`count` endpoints on loopback, the first `hanging` of which never answer."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_receivers_main, args=(count, hanging, theirs), daemon=True
    )
    process.start()
    try:
        ports: list[int] = ours.recv()
        yield [f"http://127.0.0.1:{port}/hooks" for port in ports]
    finally:
        ours.send("stop")
        process.join(5)
        if process.is_alive():
            process.kill()


# --- the service side ---------------------------------------------------------------------


class InstantHttp:
    """The real sender's work without the HTTP exchange: URL check and signing, then 204."""

    def __init__(self, guard: DnsUrlGuard) -> None:
        self._guard = guard

    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        await self._guard.check(job.url)
        signature_headers(job.message_id, job.body, job.secrets, at)
        return AttemptResult(status_code=204, latency_ms=0)


@dataclass
class Latencies:
    """When each message was created, and when each of its deliveries was answered."""

    created: dict[str, float] = field(default_factory=dict)
    answered: list[tuple[str, str, float]] = field(default_factory=list)


class Observed:
    def __init__(self, inner: WebhookSender, latencies: Latencies) -> None:
        self._inner = inner
        self._latencies = latencies

    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        result = await self._inner.send(job, at)
        if result.status_code == 204:
            self._latencies.answered.append((job.message_id, job.endpoint_id, time.perf_counter()))
        return result


class Databases:
    def __init__(self, postgres: str | None, directory: Path) -> None:
        self._postgres = postgres
        self._directory = directory

    async def fresh(self) -> str:
        if self._postgres is None:
            return f"sqlite+aiosqlite:///{self._directory / f'{uuid.uuid4().hex}.db'}"
        import asyncpg

        name = f"bench_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self._postgres.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self._postgres.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class Service:
    engine: AsyncEngine
    uow: Callable[[], NotificationsUnitOfWork]
    guard: DnsUrlGuard
    endpoint_ids: list[str]


def nation(n: int) -> str:
    """A made-up nation code for the n-th desk (NAA, NAB, ...): a desk is known by its code."""
    return f"N{chr(65 + n // 26)}{chr(65 + n % 26)}"


@contextlib.asynccontextmanager
async def service(url: str, endpoint_urls: list[str], nations: bool = False) -> AsyncIterator[Service]:
    """The endpoints are companies', or with `nations` one desk's each."""
    orm.start_mappers()
    engine = make_engine(url)
    await migrate(engine, MIGRATIONS)
    session_factory = make_session_factory(engine)
    uow = partial(NotificationsUnitOfWork, session_factory, CLOCK)
    guard = DnsUrlGuard(UrlPolicy.of(allow_http=True, allowed=["127.0.0.1"]))
    ids = []
    for n, endpoint_url in enumerate(endpoint_urls):
        command = endpoints.RegisterEndpoint(
            organisation=None if nations else f"ORG{n:03d}",
            nation=nation(n) if nations else None,
            url=endpoint_url,
            description="",
            event_types=(),
        )
        ids.append((await endpoints.register_endpoint(uow(), caller=ADMIN, cmd=command, guard=guard)).id)
    try:
        yield Service(engine, uow, guard, ids)
    finally:
        await engine.dispose()


def contract_event(n: int) -> ContractCreatedV1:
    return ContractCreatedV1.create(
        ContractCreatedPayload(
            contract_id=f"contract-{n}",
            bundle_id=f"bundle-{n}",
            item_code="AMMO-155MM",
            contracting_authority="CZE",
            lines=[ContractLine(nation="NLD", quantity=10_000), ContractLine(nation="CZE", quantity=25_000)],
            total_quantity=35_000,
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2028, 12, 31)),
        ),
        aggregate_id=f"contract-{n}",
        producer="bench",
    )


async def announce(svc: Service, n: int) -> str:
    message_id = await messages.consume(svc.uow(), consumer=CONTRACTS_CONSUMER, event=contract_event(n), links=LINKS)
    assert message_id is not None
    return message_id


def pledge_event(n: int) -> PledgeMadeV1:
    """The n-th desk pledges to a fund its neighbour leads: two desks hear of it."""
    payload = PledgePayload(
        pledge_id=f"pledge-{n}",
        nation=nation(n % ENDPOINTS),
        amount=Decimal("250000000.00"),
        beneficiary="UKR",
        fund_id="fund-bench",
        status="pledged",
        recipient=nation((n + 1) % ENDPOINTS),
    )
    return PledgeMadeV1.create(payload, aggregate_id=f"pledge-{n}", producer="bench", nation=payload.nation)


async def announce_pledge(svc: Service, n: int) -> None:
    await messages.consume(svc.uow(), consumer=BUNDLES_CONSUMER, event=pledge_event(n), links=LINKS)


async def pending(svc: Service) -> int:
    d = orm.deliveries
    async with svc.engine.connect() as conn:
        query = select(func.count()).select_from(d).where(d.c.status == DeliveryStatus.PENDING)
        return int((await conn.execute(query)).scalar_one())


def dispatcher(svc: Service, sender: WebhookSender, timeout: float) -> Dispatcher:
    return Dispatcher(
        svc.uow,
        sender,
        poll_seconds=0.05,
        max_in_flight=200,
        per_endpoint=4,
        lease=timedelta(seconds=timeout + 30),
        clock=CLOCK,
    )


async def run_until_sent(worker: Dispatcher, svc: Service, budget: float) -> float:
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    try:
        while await pending(svc):
            if time.perf_counter() - started > budget:
                raise TimeoutError(f"deliveries still pending after {budget:g} s")
            await asyncio.sleep(0.05)
        return time.perf_counter() - started
    finally:
        worker.stop()
        await asyncio.gather(task, return_exceptions=True)


@contextlib.contextmanager
def dispatcher_processes(count: int, database_url: str, log_name: str) -> Iterator[None]:
    """`count` more dispatchers, each `python -m notifications dispatch` as in production,
    on the same database; each logs to a file of its own beside the bench's log."""
    env = {
        **os.environ,
        "NOTIFICATIONS_DATABASE_URL": database_url,
        "NOTIFICATIONS_ALLOW_HTTP": "true",
        "NOTIFICATIONS_ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFICATIONS_MAX_IN_FLIGHT": "200",
        "NOTIFICATIONS_PER_ENDPOINT_CONCURRENCY": "4",
        "NOTIFICATIONS_POLL_SECONDS": "0.05",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "true",
    }
    logs = [Path(f"{log_name}.dispatcher-{n + 2}") for n in range(count)]
    processes = []
    for path in logs:
        with path.open("w") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "notifications", "dispatch"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            )
    try:
        deadline = time.monotonic() + 60
        while not all("dispatcher.started" in path.read_text() for path in logs):
            if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
                raise RuntimeError(f"a dispatcher process did not start; see {', '.join(map(str, logs))}")
            time.sleep(0.05)
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


async def set_endpoints(svc: Service, status: EndpointStatus) -> None:
    async with svc.engine.begin() as conn:
        await conn.execute(update(orm.endpoints).values(status=status))


async def timed_run(svc: Service, sender: WebhookSender, extra: int, log_name: str, budget: float) -> float:
    """The deliveries wait behind paused endpoints until every dispatcher is up; the clock
    starts when they are let go."""
    await set_endpoints(svc, EndpointStatus.PAUSED)
    url = svc.engine.url.render_as_string(hide_password=False)
    with dispatcher_processes(extra, url, log_name) if extra else contextlib.nullcontext():
        await set_endpoints(svc, EndpointStatus.ACTIVE)
        return await run_until_sent(dispatcher(svc, sender, 15.0), svc, budget)


async def throughput(databases: Databases, deliveries: int, budget: float, processes: int, log_name: str) -> None:
    messages = max(1, deliveries // ENDPOINTS)
    total = messages * ENDPOINTS
    runs = [("http", 1), ("instant", 1), ("nations", 1)] + ([("http", processes)] if processes > 1 else [])
    walls: dict[tuple[str, int], float] = {}
    with receivers(ENDPOINTS) as urls:
        for label, count in runs:
            async with service(await databases.fresh(), urls, nations=label == "nations") as svc:
                if label == "nations":
                    for n in range(total // 2):
                        await announce_pledge(svc, n)
                else:
                    for n in range(messages):
                        await announce(svc, n)
                http = make_webhook_transport(200)
                sender: WebhookSender = (
                    InstantHttp(svc.guard) if label == "instant" else HttpWebhookSender(http, svc.guard, 15.0)
                )
                walls[(label, count)] = await timed_run(svc, sender, count - 1, log_name, budget)
                await http.aclose()
    signing = _signing_cost()
    say(f"throughput: {total} deliveries to {ENDPOINTS} endpoints (signed, logged, state in the database)")
    one, instant = walls[("http", 1)], walls[("instant", 1)]
    say(f"  with HTTP on loopback, 1 dispatcher   {one:6.2f} s  {total / one:8.0f} /s")
    say(f"  HTTP replaced by an answer            {instant:6.2f} s  {total / instant:8.0f} /s")
    say(f"  share of time outside HTTP            {instant / one:6.0%}  (signing alone {signing:.0f} µs each)")
    best = total / one
    if processes > 1:
        wall = walls[("http", processes)]
        best = max(best, total / wall)
        say(f"  with HTTP on loopback, {processes} dispatchers  {wall:6.2f} s  {total / wall:8.0f} /s  (processes)")
    desks = walls[("nations", 1)]
    to_desks = total // 2 * 2 / desks
    say(f"  to 100 nations' desks, 1 dispatcher  {desks:6.2f} s  {to_desks:8.0f} /s  (pledges, each to 2)")
    rates = (("industry", best), ("nations", to_desks))
    verdicts = [f"{who} {'met' if rate >= 1000 else 'NOT met'}" for who, rate in rates]
    say(f"  target >= 1,000/s: {', '.join(verdicts)}")


TERMINAL = sys.stdout


def say(text: str) -> None:
    TERMINAL.write(text + "\n")
    TERMINAL.flush()


def _signing_cost() -> float:
    body = contract_event(0).model_dump_json()
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    now = datetime.now(UTC)
    started = time.perf_counter()
    for _ in range(2000):
        signature_headers("msg_x", body, [secret], now)
    return (time.perf_counter() - started) / 2000 * 1e6


async def isolation_run(
    databases: Databases, hanging: int, rate: float, seconds: float, timeout: float
) -> tuple[list[float], int]:
    """Latencies (ms) of the healthy endpoints' deliveries, and how many were answered."""
    latencies = Latencies()
    with receivers(ENDPOINTS, hanging) as urls:
        async with service(await databases.fresh(), urls) as svc:
            healthy = set(svc.endpoint_ids[hanging:])
            http = make_webhook_transport(200)
            worker = dispatcher(svc, Observed(HttpWebhookSender(http, svc.guard, timeout), latencies), timeout)
            task = asyncio.create_task(worker.run())
            started = time.perf_counter()
            n = 0
            while (elapsed := time.perf_counter() - started) < seconds:
                if n < elapsed * rate:
                    created = time.perf_counter()
                    latencies.created[await announce(svc, n)] = created
                    n += 1
                else:
                    await asyncio.sleep(0.002)
            await asyncio.sleep(1.0)  # let the last healthy deliveries finish
            worker.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await http.aclose()
    samples = [
        (at - latencies.created[message_id]) * 1000
        for message_id, endpoint_id, at in latencies.answered
        if endpoint_id in healthy and message_id in latencies.created
    ]
    expected = n * len(healthy)
    return samples, expected


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) >= 2 else float("nan")


async def isolation(databases: Databases, rate: float, seconds: float, timeout: float) -> None:
    results = {}
    for hanging in (0, HANGING):
        results[hanging] = await isolation_run(databases, hanging, rate, seconds, timeout)
    say(
        f"isolation: {rate:g} messages/s to {ENDPOINTS} endpoints for {seconds:g} s "
        f"({rate * ENDPOINTS:g} deliveries/s), hanging endpoints time out after {timeout:g} s"
    )
    for hanging, (samples, expected) in results.items():
        say(
            f"  {hanging:3d} hanging: healthy deliveries {len(samples)}/{expected}, "
            f"p50 {statistics.median(samples):6.1f} ms, p99 {p99(samples):6.1f} ms"
        )
    base, loaded = p99(results[0][0]), p99(results[HANGING][0])
    say(f"  p99 with {HANGING} % hanging / none hanging: {loaded / base:5.2f}  (target <= 1.20)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="maintenance URL, postgresql+asyncpg://...; default SQLite files")
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument(
        "--rate", type=float, default=1.5, help="messages per second in the isolation runs (each to 100 endpoints)"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each isolation run")
    parser.add_argument("--timeout", type=float, default=3.0, help="request timeout in the isolation runs")
    parser.add_argument("--budget", type=float, default=120.0, help="give up a throughput run after this")
    parser.add_argument(
        "--dispatchers",
        type=int,
        default=2,
        help="dispatcher processes in the last throughput run (PostgreSQL only; one runs in the bench itself)",
    )
    args = parser.parse_args()

    # The service's logging as in production (JSON lines, stdlib loggers included), written
    # to a file instead of the terminal, which keeps the figures readable.
    log_file = tempfile.NamedTemporaryFile("w", prefix="bench-notifications-", suffix=".log", delete=False)  # noqa: SIM115
    sys.stdout = log_file
    configure_logging("notifications", "INFO", json_output=True)
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as directory:
        databases = Databases(args.postgres, Path(directory))
        kind = "PostgreSQL" if args.postgres else "SQLite"
        say(f"database: {kind}; log lines in {log_file.name}; {os.cpu_count()} cores")
        processes = args.dispatchers if args.postgres else 1  # SQLite: one dispatcher only
        await throughput(databases, args.deliveries, args.budget, processes, log_file.name)
        await isolation(databases, args.rate, args.seconds, args.timeout)
    sys.stdout = TERMINAL
    log_file.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
