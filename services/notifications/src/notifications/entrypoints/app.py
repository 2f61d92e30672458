"""The notifications service's ASGI app: its routes, its subscribers, its dispatcher as a
worker, and the one place its errors become HTTP answers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bundling_shared import topics
from bundling_shared.problems import FieldError, problem_response
from bundling_shared.service_app import create_service_app
from notifications.bootstrap import SERVICE, NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.errors import NotificationRuleViolation, NotTheirs
from notifications.domain.url_safety import UnsafeUrl
from notifications.entrypoints.routes import routers
from notifications.entrypoints.subscribers import subscribe

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "adapters" / "migrations")

UNPROCESSABLE = 422  # the constant was renamed across Starlette versions


def create_app(settings: NotificationsSettings | None = None, service: NotificationsService | None = None) -> FastAPI:
    """`service` lets tests wire in their own resolver or clock."""
    service = service or bootstrap(settings)
    app = create_service_app(
        service,
        name=SERVICE,
        description="Signed webhooks (Standard Webhooks) to industry: opportunities, awards, contracts, "
        "frameworks, harmonised specifications, and call-offs and delivery news for the contracted supplier.",
        routers=routers,
        subscribe=subscribe,
        topics=topics.with_dead_letters(topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE, topics.ENDPOINTS),
        migrations=MIGRATIONS,
        workers=[service.sending.run] if service.settings.run_dispatcher else [],
    )
    install_error_handlers(app)
    return app


def install_error_handlers(app: FastAPI) -> None:
    """The service's rule violations are 422s; an unsafe URL and an endpoint registered for
    someone else name the field of the request that asked for it. Absent, forbidden and
    clashing are answered by the shared handlers."""

    async def rule_violation(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(UNPROCESSABLE, str(exc))

    async def unsafe_url(_: Request, exc: Exception) -> JSONResponse:
        return _naming(exc, "body.url", "unsafe_url")

    async def not_theirs(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotTheirs)
        return _naming(exc, f"body.{exc.field}", "own_endpoints_only")

    app.add_exception_handler(NotificationRuleViolation, rule_violation)
    app.add_exception_handler(UnsafeUrl, unsafe_url)
    app.add_exception_handler(NotTheirs, not_theirs)


def _naming(exc: Exception, field: str, rule: str) -> JSONResponse:
    detail = str(exc)
    return problem_response(UNPROCESSABLE, detail, errors=[FieldError(field=field, rule=rule, message=detail)])
