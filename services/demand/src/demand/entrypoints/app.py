"""The demand service's ASGI app: its routes, its subscribers, the bundle publisher as a
worker, and the one place its errors become HTTP answers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bundling_shared import topics
from bundling_shared.clock import Clock
from bundling_shared.problems import FieldError, problem_response
from bundling_shared.service_app import create_service_app
from demand.bootstrap import SERVICE, bootstrap
from demand.config import DemandSettings
from demand.domain.errors import DemandRuleViolation
from demand.entrypoints.routes import routers
from demand.entrypoints.routes.bundles import bundle_summaries
from demand.entrypoints.subscribers import subscribe
from demand.entrypoints.workers import bundle_publisher, capacity_watch

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")

UNPROCESSABLE = 422  # the constant was renamed across Starlette versions


def create_app(settings: DemandSettings | None = None, clock: Clock | None = None) -> FastAPI:
    service = bootstrap(settings, clock)
    app = create_service_app(
        service,
        name=SERVICE,
        description="National needs in, bundles out: joint orders for many nations at once.",
        routers=routers,
        subscribe=subscribe,
        topics=topics.with_dead_letters(topics.NEEDS, topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE),
        migrations=MIGRATIONS,
        workers=[
            bundle_publisher(service.settings, service.uow, service.clock),
            capacity_watch(service.settings, service.uow),
        ],
    )
    install_error_handlers(app)
    app.state.bundle_summaries = bundle_summaries()
    return app


def install_error_handlers(app: FastAPI) -> None:
    """A rule of the demand domain a request breaks is a 422 naming the field it is about,
    when it is about one. A rule that holds but forbids the change at this moment is a
    shared `Conflict` (409); absent and forbidden are answered by the shared handlers."""

    async def rule_broken(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DemandRuleViolation)
        detail = str(exc)
        errors = [FieldError(field=f"body.{exc.field}", rule=exc.rule or "rule", message=detail)] if exc.field else None
        return problem_response(UNPROCESSABLE, detail, errors=errors)

    app.add_exception_handler(DemandRuleViolation, rule_broken)
