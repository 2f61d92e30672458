"""Notifications tests without infrastructure: SQLite, FastStream's in-memory broker, and a
real HTTP receiver on 127.0.0.1 running in the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bundling_shared.db import migrate
from bundling_shared.events.contracts import ContractCreatedPayload, ContractCreatedV1, ContractLine
from bundling_shared.events.demand import DeliveryWindow
from notifications.adapters.url_guard import Resolve
from notifications.bootstrap import NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.model import Endpoint
from notifications.domain.url_safety import IPAddress
from notifications.entrypoints.app import MIGRATIONS
from notifications.service_layer import handlers
from notifications.service_layer.messages import Links

LINK = "https://contracts.example.eu/v1/contracts/{contract_id}"
LINKS = Links(contract=LINK)


class FakeClock:
    """The dispatcher's notion of now, moved by the test instead of by waiting; its
    monotonic() (seconds since it was made) drives the rate limiter, so advancing the
    clock refills rate-limit buckets as the same wait would."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self._start = self.now

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - self._start).total_seconds()

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    def advance_to_retry(self) -> None:
        """Past the first retry's wait (5 s)."""
        self.advance(timedelta(seconds=6))


@dataclass
class Reply:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hang: bool = False  # accept the request and never answer


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A minimal HTTP/1.1 server answering each path from a script (the last reply repeats)."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0
        self.keep_alive = False  # answer "connection: close" unless a test wants reuse
        self.connections = 0

    def script(self, path: str, *replies: Reply) -> str:
        self._scripts[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits_on(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def _next(self, path: str) -> Reply:
        script = self._scripts.get(path)
        if not script:
            return Reply()
        return script.pop(0) if len(script) > 1 else script[0]

    async def start(self) -> None:
        await self.start_on("127.0.0.1", 0)

    async def start_on(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._handle, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await self._one_request(reader, writer) and self.keep_alive:
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is over."""
        request_line = (await reader.readline()).decode("latin-1")
        if not request_line:
            return False
        _method, target, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        path = target.split("?", 1)[0]
        self.hits.append(Hit(path=path, headers=headers, body=body))
        reply = self._next(path)
        if reply.hang:
            await self._release.wait()
            return False
        extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        connection = "keep-alive" if self.keep_alive else "close"
        head = (
            f"HTTP/1.1 {reply.status} X\r\ncontent-length: {len(reply.body)}\r\nconnection: {connection}\r\n{extra}\r\n"
        )
        writer.write(head.encode("latin-1") + reply.body)
        await writer.drain()
        return True


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fake_dns(table: dict[str, list[str]]) -> Resolve:
    """Name resolution from a table: tests must not depend on the machine's DNS."""

    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Tests send to this machine only: a request to any other address fails here, before a
    packet leaves, even if a test someday dispatches to a name the fake DNS calls public."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not ipaddress.ip_address(request.url.host).is_loopback:
            raise httpx.ConnectError(f"tests may not connect to {request.url.host}", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        self.closed = True
        await self._inner.aclose()


DNS = {
    "hooks.example-defence.eu": ["93.184.216.34"],  # public, so registration passes; see LoopbackOnly
    "localhost": ["127.0.0.1"],
    "receiver.test": ["127.0.0.1"],  # known to this table only, not to the machine's resolver
    "metadata.internal": ["169.254.169.254"],
    "split.example.eu": ["93.184.216.34", "10.0.0.7"],
}


def make_settings(tmp_path: Path, **overrides: Any) -> NotificationsSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        "run_migrations": False,
        "allow_http": True,
        "allowed_hosts": "127.0.0.1,localhost",
        "contract_link_template": LINK,
        "poll_seconds": 0.05,
        **overrides,
    }
    return NotificationsSettings(**values)


@contextlib.asynccontextmanager
async def running_service(
    settings: NotificationsSettings, clock: FakeClock | None = None, resolve: Resolve | None = None
) -> AsyncIterator[NotificationsService]:
    clock = clock or FakeClock()
    service = bootstrap(
        settings,
        resolve=resolve or fake_dns(DNS),
        clock=clock,
        monotonic=clock.monotonic,
        wrap_transport=LoopbackOnly,
    )
    await migrate(service.engine, MIGRATIONS)
    try:
        yield service
    finally:
        await service.http.aclose()
        await service.engine.dispose()


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock) -> AsyncIterator[NotificationsService]:
    async with running_service(make_settings(tmp_path), clock) as svc:
        yield svc


def contract_created(
    *,
    contract_id: str = "contract-155mm",
    lines: tuple[tuple[str, int], ...] = (("NLD", 10_000), ("CZE", 25_000)),
    correlation_id: str | None = None,
) -> ContractCreatedV1:
    event: ContractCreatedV1 = ContractCreatedV1.create(
        ContractCreatedPayload(
            contract_id=contract_id,
            bundle_id="bundle-155mm",
            item_code="AMMO-155MM",
            contracting_authority="CZE",
            lines=[ContractLine(nation=n, quantity=q) for n, q in lines],
            total_quantity=sum(q for _, q in lines),
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2028, 12, 31)),
        ),
        aggregate_id=contract_id,
        producer="contracts",
        correlation_id=correlation_id,
    )
    return event


async def add_endpoint(
    service: NotificationsService,
    organisation: str,
    url: str,
    event_types: tuple[str, ...] = (),
    *,
    item_categories: tuple[str, ...] = (),
    rate_limit_per_second: int | None = None,
) -> Endpoint:
    return await handlers.register_endpoint(
        handlers.RegisterEndpoint(
            organisation=organisation,
            url=url,
            description="test",
            event_types=event_types,
            item_categories=item_categories,
            rate_limit_per_second=rate_limit_per_second,
        ),
        service.uow(),
        service.url_guard,
    )


async def announce(service: NotificationsService, clock: FakeClock, contract_id: str = "contract-155mm") -> str:
    """Feed one ContractCreated to the consumer's handler, as the Kafka subscriber would."""
    message_id = await handlers.record_contract_created(
        contract_created(contract_id=contract_id), service.uow(), LINKS, now=clock()
    )
    assert message_id is not None
    return message_id
