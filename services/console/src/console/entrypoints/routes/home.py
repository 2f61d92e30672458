"""Where a user lands: the pages of its role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bundling_shared.auth import Role
from console.entrypoints.deps import page
from console.entrypoints.session import User

router = APIRouter()

LANDING = {Role.NATION_DESK: "/needs", Role.COORDINATOR: "/bundles", Role.INDUSTRY: "/tenders"}


@router.get("/", response_model=None)
async def home(request: Request, user: User) -> HTMLResponse | RedirectResponse:
    landing = LANDING.get(user.role)
    if landing is not None:
        return RedirectResponse(landing, status_code=303)
    return page(request, "home.html")


@router.get("/ready", include_in_schema=False)
async def ready() -> dict[str, str]:
    return {"status": "ready"}
