"""The notifications service's ASGI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from bundling_shared import topics
from bundling_shared.service_app import create_service_app
from notifications.bootstrap import SERVICE, NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.api import router

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")


def create_app(settings: NotificationsSettings | None = None, service: NotificationsService | None = None) -> FastAPI:
    """`service` lets tests wire in their own resolver or clock."""
    service = service or bootstrap(settings)
    return create_service_app(
        name=SERVICE,
        title="Notifications service",
        description="Signed webhooks (Standard Webhooks) to industry: opportunities, awards, contracts, "
        "frameworks, harmonised specifications, and call-offs and delivery news for the contracted supplier.",
        router=router,
        engine=service.engine,
        broker=service.broker,
        kafka=service.settings.kafka,
        auth=service.settings.auth,
        topics=topics.with_dead_letters(topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE, topics.ENDPOINTS),
        migrations=MIGRATIONS if service.settings.run_migrations else None,
        relay=service.relay,
        state={"uow": service.uow, "service": service, "url_guard": service.url_guard},
        workers=[service.run_dispatcher] if service.settings.run_dispatcher else [],
    )
