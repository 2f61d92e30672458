"""Wires the contracts service: settings, clock, database, unit of work, broker, relay.

The subscribers are not wired here: the entrypoint that runs the service includes them
(`entrypoints.subscribers.subscribe`), so that wiring depends on nothing above the service
layer.
"""

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
from contracts.adapters import orm
from contracts.adapters.publishers import publishers
from contracts.adapters.unit_of_work import ContractsUnitOfWork
from contracts.config import ContractsSettings
from contracts.service_layer.unit_of_work import UowFactory

SERVICE = "contracts"


@dataclass
class ContractsService:
    settings: ContractsSettings
    engine: AsyncEngine
    broker: KafkaBroker
    relay: OutboxRelay
    uow: UowFactory
    clock: Clock
    metrics: ServiceMetrics


def bootstrap(settings: ContractsSettings | None = None, clock: Clock | None = None) -> ContractsService:
    """`clock`: tests may hand their own; otherwise CLOCK_START or the system clock."""
    settings = settings or ContractsSettings()
    clock = clock or settings.clock.clock(settings.auth)
    orm.start_mappers()
    engine = make_engine(settings.database_url)
    metrics = ServiceMetrics(SERVICE, enabled=settings.metrics.enabled)
    broker = make_broker(settings.kafka, SERVICE, metrics)
    relay = OutboxRelay.configured(engine, orm.outbox, via_publishers(publishers(broker)), settings.outbox)
    uow: UowFactory = partial(ContractsUnitOfWork, make_session_factory(engine), relay.wake, clock=clock)
    return ContractsService(
        settings=settings, engine=engine, broker=broker, relay=relay, uow=uow, clock=clock, metrics=metrics
    )
