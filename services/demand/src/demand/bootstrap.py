"""Wires the demand service: settings, clock, database, unit of work, broker, relay."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.clock import Clock
from bundling_shared.db import make_engine, make_session_factory
from bundling_shared.messaging.kafka import make_broker
from bundling_shared.messaging.outbox import OutboxRelay, via_publishers
from bundling_shared.observability.metrics import ServiceMetrics
from demand.adapters import orm
from demand.adapters.metrics import DemandMetrics, demand_metrics
from demand.adapters.publishers import publishers
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.config import DemandSettings
from demand.service_layer.unit_of_work import UowFactory

SERVICE = "demand"


@dataclass
class DemandService:
    settings: DemandSettings
    engine: AsyncEngine
    broker: KafkaBroker
    relay: OutboxRelay
    uow: UowFactory
    clock: Clock
    metrics: ServiceMetrics
    counts: DemandMetrics


def bootstrap(settings: DemandSettings | None = None, clock: Clock | None = None) -> DemandService:
    """`clock`: tests hand a FixedClock; otherwise CLOCK_START or the system clock. The
    broker has the service's publishers; its subscribers are added by what starts it
    (`entrypoints.subscribers.subscribe`)."""
    settings = settings or DemandSettings()
    clock = clock or settings.clock.clock(settings.auth)
    orm.start_mappers()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    metrics = ServiceMetrics(SERVICE, enabled=settings.metrics.enabled)
    broker = make_broker(settings.kafka, SERVICE, metrics)
    relay = OutboxRelay.configured(engine, orm.outbox, via_publishers(publishers(broker)), settings.outbox)
    counts = demand_metrics(metrics, engine)
    registered = counts.needs_registered.inc
    uow: UowFactory = partial(DemandUnitOfWork, session_factory, relay.wake, clock=clock, registered=registered)
    return DemandService(
        settings=settings,
        engine=engine,
        broker=broker,
        relay=relay,
        uow=uow,
        clock=clock,
        metrics=metrics,
        counts=counts,
    )
