"""Wires the notifications service: settings, clock, database, unit of work, broker,
dispatcher and the outbox relay that publishes EndpointDisabled events; and, for a process
that only sends webhooks, no more than the database and the dispatcher."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bundling_shared.clock import Clock
from bundling_shared.db import make_engine, make_session_factory
from bundling_shared.messaging.kafka import make_broker
from bundling_shared.messaging.outbox import OutboxRelay, via_publishers
from bundling_shared.observability.metrics import ServiceMetrics
from notifications.adapters import orm
from notifications.adapters.metrics import webhook_metrics
from notifications.adapters.publishers import publishers
from notifications.adapters.unit_of_work import NotificationsUnitOfWork
from notifications.adapters.url_guard import DnsUrlGuard, Resolve, system_resolve
from notifications.adapters.webhook_sender import HttpWebhookSender, make_webhook_transport
from notifications.config import NotificationsSettings
from notifications.service_layer.dispatcher import Dispatcher
from notifications.service_layer.unit_of_work import UowFactory, UrlGuard

SERVICE = "notifications"

WrapTransport = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


@dataclass
class Sending:
    """The dispatcher and the HTTP transport it sends through."""

    dispatcher: Dispatcher
    http: httpx.AsyncBaseTransport

    async def run(self) -> None:
        """The HTTP client lives exactly as long as the dispatcher that uses it, so
        stopping the dispatcher closes its connections too."""
        try:
            await self.dispatcher.run()
        finally:
            await self.http.aclose()


@dataclass
class NotificationsService:
    settings: NotificationsSettings
    engine: AsyncEngine
    broker: KafkaBroker
    uow: UowFactory
    sending: Sending
    relay: OutboxRelay
    url_guard: UrlGuard
    clock: Clock  # the service's one notion of now: consumers stamp deliveries with it, the dispatcher claims by it
    metrics: ServiceMetrics

    @property
    def dispatcher(self) -> Dispatcher:
        return self.sending.dispatcher

    @property
    def http(self) -> httpx.AsyncBaseTransport:
        return self.sending.http


@dataclass
class DispatcherProcess:
    """A process that only sends webhooks: no broker, no relay (the service process
    publishes what dispatchers stage in the outbox), no API."""

    settings: NotificationsSettings
    engine: AsyncEngine
    sending: Sending
    clock: Clock
    metrics: ServiceMetrics


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    resolve: Resolve = system_resolve,
    clock: Clock | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    wrap_transport: WrapTransport | None = None,
) -> NotificationsService:
    """`clock`: tests hand their own; otherwise CLOCK_START or the system clock. The
    entrypoints include the subscribers on the broker."""
    settings = settings or NotificationsSettings()
    clock = clock or settings.clock.clock(settings.auth)
    engine, session_factory = _database(settings)
    metrics = ServiceMetrics(SERVICE, enabled=settings.metrics.enabled)
    broker = make_broker(settings.kafka, SERVICE, metrics)
    tally = webhook_metrics(metrics, engine)
    relay = OutboxRelay.configured(engine, orm.outbox, via_publishers(publishers(broker)), settings.outbox)
    guard = DnsUrlGuard(settings.url_policy, resolve)
    sending = _sending(
        settings,
        partial(NotificationsUnitOfWork, session_factory, clock, on_events=relay.wake),
        clock,
        guard,
        monotonic=monotonic,
        wrap_transport=wrap_transport,
        tally=tally,
    )
    uow: UowFactory = partial(NotificationsUnitOfWork, session_factory, clock, sending.dispatcher.wake, relay.wake)
    return NotificationsService(settings, engine, broker, uow, sending, relay, guard, clock, metrics)


def bootstrap_dispatcher(settings: NotificationsSettings) -> DispatcherProcess:
    clock = settings.clock.clock(settings.auth)
    engine, session_factory = _database(settings)
    guard = DnsUrlGuard(settings.url_policy, system_resolve)
    metrics = ServiceMetrics(SERVICE)
    tally = webhook_metrics(metrics, engine)
    sending = _sending(settings, partial(NotificationsUnitOfWork, session_factory, clock), clock, guard, tally=tally)
    return DispatcherProcess(settings=settings, engine=engine, sending=sending, clock=clock, metrics=metrics)


def _database(settings: NotificationsSettings) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    orm.start_mappers()
    engine = make_engine(settings.database_url)
    return engine, make_session_factory(engine)


def _sending(
    settings: NotificationsSettings,
    uow: UowFactory,
    clock: Clock,
    guard: UrlGuard,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    wrap_transport: WrapTransport | None = None,
    tally: Callable[[str], None] = lambda _: None,
) -> Sending:
    http = make_webhook_transport(settings.max_in_flight, wrap_transport)
    dispatcher = Dispatcher(
        uow,
        HttpWebhookSender(http, guard, settings.request_timeout_seconds),
        poll_seconds=settings.poll_seconds,
        max_in_flight=settings.max_in_flight,
        per_endpoint=settings.per_endpoint_concurrency,
        lease=settings.claim_lease,
        clock=clock,
        disable_after=settings.disable_after,
        monotonic=monotonic,
        tally=tally,
    )
    return Sending(dispatcher=dispatcher, http=http)
