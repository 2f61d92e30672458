"""Notifications tests on a real database (SQLite, or PostgreSQL where a test asks for
it), FastStream's in-memory broker, and a real HTTP receiver on 127.0.0.1 running in the
test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Table, select

from bundling_shared.auth import Principal
from bundling_shared.db import migrate
from bundling_shared.events.contracts import SupplierRegisteredV1
from notifications.adapters import orm
from notifications.adapters.url_guard import Resolve
from notifications.bootstrap import NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.delivery import Attempt
from notifications.domain.endpoint import Endpoint
from notifications.entrypoints.app import MIGRATIONS, create_app
from notifications.entrypoints.subscribers import subscribe
from notifications.service_layer import endpoints, messages, suppliers
from tests.notifications import events
from tests.notifications.conftest import ADMIN, DNS, LINK, LINKS, FakeClock, fake_dns
from tests.support.migrated import at_latest_schema


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


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[Receiver]:
    server = Receiver()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving() as server:
        yield server


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
    settings = make_settings(tmp_path)
    await at_latest_schema(settings.database_url, MIGRATIONS)
    async with running_service(settings, clock) as svc:
        yield svc


@contextlib.asynccontextmanager
async def api_of(service: NotificationsService) -> AsyncIterator[httpx.AsyncClient]:
    """The service's app, called in-process."""
    app = create_app(service=service)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as client:
        yield client


@pytest.fixture
async def api(service: NotificationsService) -> AsyncIterator[httpx.AsyncClient]:
    async with api_of(service) as client:
        yield client


def consuming(service: NotificationsService) -> TestKafkaBroker:
    """The service's subscribers on FastStream's in-memory broker, for a test that feeds
    the consumers without the app: included as the app includes them, once."""
    if not service.broker.subscribers:
        subscribe(service)
    return TestKafkaBroker(service.broker)


async def add_endpoint(
    service: NotificationsService,
    organisation: str,
    url: str,
    event_types: tuple[str, ...] = (),
    *,
    item_categories: tuple[str, ...] = (),
    rate_limit_per_second: int | None = None,
    nation: bool = False,
    agency: bool = False,
) -> Endpoint:
    """A company's endpoint, or with `nation` one of that nation's desk, or with `agency`
    one of that agency's coordinators."""
    return await endpoints.register_endpoint(
        service.uow(),
        caller=ADMIN,
        cmd=endpoints.RegisterEndpoint(
            organisation=None if nation or agency else organisation,
            nation=organisation if nation else None,
            agency=organisation if agency else None,
            url=url,
            description="test",
            event_types=event_types,
            item_categories=item_categories,
            rate_limit_per_second=rate_limit_per_second,
        ),
        guard=service.url_guard,
    )


async def announce(service: NotificationsService, contract_id: str = "contract-155mm") -> str:
    """Feed one ContractCreated to the consumers, as the Kafka subscriber would."""
    message_id = await messages.consume(
        service.uow(),
        consumer=messages.CONTRACTS_CONSUMER,
        event=events.contract_created(contract_id=contract_id),
        links=LINKS,
    )
    assert message_id is not None
    return message_id


async def dispatch_once(service: NotificationsService) -> int:
    """Claim what is due, send it and wait until every attempt is recorded."""
    started = await service.dispatcher.dispatch_due()
    await service.dispatcher.drain()
    return started


async def attempts_of(service: NotificationsService, endpoint_id: str, caller: Principal = ADMIN) -> Sequence[Attempt]:
    """The first attempts of an endpoint's log, newest first."""
    found, _ = await endpoints.endpoint_attempts(
        service.uow(), caller=caller, endpoint_id=endpoint_id, limit=10, offset=0
    )
    return [Attempt(endpoint_id=endpoint_id, **entry) for entry in found]


async def register_supplier(service: NotificationsService, event: SupplierRegisteredV1) -> None:
    """Feed one supplier registration to the register, as the reference subscriber would."""
    await suppliers.register_supplier(service.uow(), consumer=messages.REFERENCE_CONSUMER, event=event)


async def endpoint_of(service: NotificationsService, endpoint_id: str) -> Endpoint:
    """The endpoint as the administrator reads it."""
    return await endpoints.get_endpoint(service.uow(), caller=ADMIN, endpoint_id=endpoint_id)


async def recipients(service: NotificationsService, event_type: str) -> set[str]:
    """The endpoints that got a delivery of the (one) message of this type."""
    d, m = orm.deliveries, orm.messages
    async with service.engine.connect() as conn:
        rows = await conn.execute(
            select(d.c.endpoint_id).join(m, m.c.id == d.c.message_id).where(m.c.event_type == event_type)
        )
        return {r[0] for r in rows}


async def rows_of(service: NotificationsService, table: Table, *order_by: Any) -> list[dict[str, Any]]:
    """A table's rows as the database holds them."""
    async with service.engine.connect() as conn:
        found = (await conn.execute(select(table).order_by(*order_by))).mappings().all()
    return [dict(r) for r in found]
