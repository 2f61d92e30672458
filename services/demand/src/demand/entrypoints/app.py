"""The demand service's ASGI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from bundling_shared import topics
from bundling_shared.clock import Clock
from bundling_shared.service_app import create_service_app
from demand.bootstrap import SERVICE, bootstrap
from demand.config import DemandSettings
from demand.entrypoints.api import router
from demand.entrypoints.workers import bundle_publisher

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")


def create_app(settings: DemandSettings | None = None, clock: Clock | None = None) -> FastAPI:
    service = bootstrap(settings, clock)
    return create_service_app(
        name=SERVICE,
        title="Demand service",
        description="National needs in, bundles out: joint orders for many nations at once.",
        router=router,
        engine=service.engine,
        broker=service.broker,
        kafka=service.settings.kafka,
        auth=service.settings.auth,
        topics=topics.with_dead_letters(topics.NEEDS, topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE),
        migrations=MIGRATIONS if service.settings.run_migrations else None,
        relay=service.relay,
        state={"uow": service.uow, "service": service, "clock": service.clock},
        workers=[bundle_publisher(service.settings, service.uow, service.clock)],
    )
