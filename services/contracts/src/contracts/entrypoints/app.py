"""The contracts service's ASGI app."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from bundling_shared import topics
from bundling_shared.clock import Clock
from bundling_shared.logging import get_logger
from bundling_shared.service_app import create_service_app
from contracts.bootstrap import SERVICE, ContractsService, bootstrap
from contracts.config import ContractsSettings
from contracts.entrypoints.api import install_error_handlers, router
from contracts.service_layer import deliveries

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")

log = get_logger(__name__)


async def scan_for_delays(service: ContractsService) -> None:
    """Lots do not tell when they fall due: look at them regularly."""
    while True:
        await asyncio.sleep(service.settings.delay_scan_seconds)
        try:
            reported = await deliveries.check_delays(service.uow(), service.clock.today())
            if reported:
                log.info("deliveries.delays_reported", count=reported)
        except Exception:
            log.exception("deliveries.delay_scan_failed")


def create_app(settings: ContractsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    service = bootstrap(settings, clock)
    app = create_service_app(
        name=SERVICE,
        title="Contracts service",
        description=(
            "Harmonised specifications, suppliers, weighed awards, contracts from joint orders, framework "
            "contracts with call-offs and accession, delivery schedules."
        ),
        router=router,
        engine=service.engine,
        broker=service.broker,
        kafka=service.settings.kafka,
        auth=service.settings.auth,
        topics=topics.with_dead_letters(topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE),
        migrations=MIGRATIONS if service.settings.run_migrations else None,
        relay=service.relay,
        state={"uow": service.uow, "service": service, "clock": service.clock},
        workers=[lambda: scan_for_delays(service)],
    )
    install_error_handlers(app)
    return app
