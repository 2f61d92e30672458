"""Wires the notifications service: settings, database, unit of work, broker, dispatcher
and the outbox relay that publishes EndpointDisabled events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import make_engine, make_session_factory
from bundling_shared.messaging.kafka import make_broker
from bundling_shared.messaging.outbox import OutboxRelay, via_publishers
from notifications.adapters import orm
from notifications.adapters.unit_of_work import NotificationsUnitOfWork
from notifications.adapters.url_guard import DnsUrlGuard, Resolve, system_resolve
from notifications.adapters.webhook_sender import HttpWebhookSender, make_webhook_transport
from notifications.config import NotificationsSettings
from notifications.entrypoints.publishers import declare_publishers
from notifications.entrypoints.subscribers import build_router
from notifications.service_layer.dispatcher import Clock, Dispatcher
from notifications.service_layer.handlers import UowFactory
from notifications.service_layer.unit_of_work import UrlGuard

SERVICE = "notifications"


@dataclass
class NotificationsService:
    settings: NotificationsSettings
    engine: AsyncEngine
    broker: KafkaBroker
    uow: UowFactory
    dispatcher: Dispatcher
    relay: OutboxRelay
    url_guard: UrlGuard
    http: httpx.AsyncBaseTransport
    clock: Clock  # the service's one notion of now: consumers stamp deliveries with it, the dispatcher claims by it

    async def run_dispatcher(self) -> None:
        """The background worker: the HTTP client lives exactly as long as the dispatcher
        that uses it, so stopping the service closes its connections too."""
        try:
            await self.dispatcher.run()
        finally:
            await self.http.aclose()


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    resolve: Resolve = system_resolve,
    clock: Clock | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    wrap_transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> NotificationsService:
    """`clock`: tests hand their own; otherwise CLOCK_START or the system clock."""
    settings = settings or NotificationsSettings()
    clock = clock or settings.clock.clock(settings.auth).now
    orm.start_mappers()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    broker = make_broker(settings.kafka, SERVICE)
    relay = OutboxRelay.configured(engine, orm.outbox, via_publishers(declare_publishers(broker)), settings.outbox)
    guard = DnsUrlGuard(settings.url_policy, resolve)
    http = make_webhook_transport(settings.max_in_flight, wrap_transport)
    dispatcher = Dispatcher(
        partial(NotificationsUnitOfWork, session_factory, on_events=relay.wake),
        HttpWebhookSender(http, guard, settings.request_timeout_seconds),
        poll_seconds=settings.poll_seconds,
        max_in_flight=settings.max_in_flight,
        per_endpoint=settings.per_endpoint_concurrency,
        lease=settings.claim_lease,
        clock=clock,
        disable_after=settings.disable_after,
        monotonic=monotonic,
    )
    uow: UowFactory = partial(NotificationsUnitOfWork, session_factory, dispatcher.wake, relay.wake)
    broker.include_router(build_router(uow, settings.links, clock))
    return NotificationsService(
        settings=settings,
        engine=engine,
        broker=broker,
        uow=uow,
        dispatcher=dispatcher,
        relay=relay,
        url_guard=guard,
        http=http,
        clock=clock,
    )
