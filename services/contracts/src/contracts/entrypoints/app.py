"""The contracts service's ASGI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from bundling_shared import topics
from bundling_shared.service_app import create_service_app
from contracts.bootstrap import SERVICE, bootstrap
from contracts.config import ContractsSettings
from contracts.entrypoints.api import router

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")


def create_app(settings: ContractsSettings | None = None) -> FastAPI:
    service = bootstrap(settings)
    return create_service_app(
        name=SERVICE,
        title="Contracts service",
        description="Contracts from committed joint orders, with a delivery line per nation.",
        router=router,
        engine=service.engine,
        broker=service.broker,
        kafka=service.settings.kafka,
        auth=service.settings.auth,
        topics=topics.with_dead_letters(topics.BUNDLES, topics.CONTRACTS),
        migrations=MIGRATIONS if service.settings.run_migrations else None,
        relay=service.relay,
        state={"uow": service.uow, "service": service},
    )
