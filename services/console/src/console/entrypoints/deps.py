"""The console's dependencies, as `Annotated` aliases the routes name."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bundling_shared.clock import Clock
from console.adapters.platform_api import PlatformApi
from console.config import ConsoleSettings
from console.entrypoints.session import csrf_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


async def _api(request: Request) -> PlatformApi:
    api: PlatformApi = request.app.state.api
    return api


async def _settings(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


async def _today(request: Request) -> date:
    clock: Clock = request.app.state.clock
    return clock.today()


Api = Annotated[PlatformApi, Depends(_api)]
Today = Annotated[date, Depends(_today)]
Settings = Annotated[ConsoleSettings, Depends(_settings)]


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page with what every page shows: who is signed in and the CSRF token for its forms."""
    session = request.session
    user = {"role": session.get("role"), "party": session.get("party")} if "token" in session else None
    return TEMPLATES.TemplateResponse(
        request, template, {"user": user, "csrf": csrf_of(request), **context}, status_code=status_code
    )


async def listing(
    request: Request,
    api: PlatformApi,
    token: str,
    source: tuple[str, str],
    template: str,
    items: str,
    *,
    offset: int,
    limit: int,
) -> HTMLResponse:
    """A page of one of the services' bounded lists (`source`: the service and the path), as
    the user's token reads it: the items under the template's name `items`, and the figures
    its pager needs."""
    service, path = source
    offset = max(0, offset)
    found = await api.get(service, path, token, limit=limit, offset=offset)
    context = {items: found["items"], "total": found["total"], "offset": offset, "limit": limit}
    return page(request, template, **context)
