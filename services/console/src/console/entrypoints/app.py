"""The console: web pages for desks, coordinators and companies over the services' APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match

from bundling_shared.clock import Clock, SystemClock
from bundling_shared.http import metrics_router
from bundling_shared.observability.http import HttpMetricsMiddleware
from bundling_shared.observability.metrics import ServiceMetrics
from console.adapters.identity import IdentityProvider
from console.adapters.platform_api import ApiError, PlatformApi
from console.config import ConsoleSettings
from console.entrypoints.deps import page
from console.entrypoints.routes import oidc, router
from console.entrypoints.security import install_security_headers
from console.entrypoints.session import NotSignedIn, remember_page

STATIC = Path(__file__).resolve().parent.parent / "static"
SESSION_HOURS = 12


def create_app(
    settings: ConsoleSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """`transport`: how the services are reached (their addresses by default); `clock`: what
    day countdowns count from (the system's by default)."""
    settings = settings or ConsoleSettings()
    settings.check_safe()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.request_timeout_seconds, transport=transport) as client:
            app.state.api = PlatformApi(
                client,
                {
                    "demand": settings.demand_url.rstrip("/"),
                    "contracts": settings.contracts_url.rstrip("/"),
                    "notifications": settings.notifications_url.rstrip("/"),
                },
            )
            yield

    app = FastAPI(title="Console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.identity = IdentityProvider(settings) if settings.oidc_enabled else None
    install_security_headers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="console_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.include_router(oidc.router)
    if settings.metrics.enabled:  # requests and latency by page, as the services count theirs
        metrics = ServiceMetrics("console")
        app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
        app.include_router(metrics_router(metrics))

    @app.exception_handler(NotSignedIn)
    async def to_sign_in(request: Request, _: NotSignedIn) -> Response:
        remember_page(request)
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            request.session.clear()
            remember_page(request)
            return RedirectResponse("/sign-in", status_code=303)
        return page(request, "refused.html", status_code=exc.status if exc.status < 500 else 502, error=exc)

    @app.exception_handler(StarletteHTTPException)
    async def reloaded_action(request: Request, exc: StarletteHTTPException) -> Response:
        """A refused form answers at its action's address; reloading that page asks for it
        with GET. The browser goes to the nearest page above it instead (the object the act
        was on) rather than to a bare 405."""
        if exc.status_code == 405 and request.method in ("GET", "HEAD"):
            return RedirectResponse(_page_above(app, request.url.path), status_code=303)
        return await http_exception_handler(request, exc)

    @app.exception_handler(httpx.HTTPError)
    async def unreachable(request: Request, exc: httpx.HTTPError) -> Response:
        """A service that does not answer: said so, and the user may try again."""
        problem = {"title": "a service of the platform does not answer now; try again in a moment"}
        return page(request, "refused.html", status_code=503, error=ApiError(503, problem))

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _page_above(app: FastAPI, path: str) -> str:
    """The longest leading part of `path` that a page answers with GET; the home page else."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        scope = {"type": "http", "path": candidate, "method": "GET"}
        if any(route.matches(scope)[0] is Match.FULL for route in app.router.routes):
            return candidate
    return "/"
