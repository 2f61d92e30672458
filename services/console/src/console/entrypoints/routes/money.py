"""A nation's pledges: what it pledged, to what, for whom, where each stands. The amounts
are the nation's own, as the demand service shows them to its desk."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User

router = APIRouter()
PAGE = 50


@router.get("/pledges", response_class=HTMLResponse)
async def pledges(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    found = await api.get("demand", "/v1/pledges", user.token, limit=PAGE, offset=max(0, offset))
    return page(request, "pledges.html", pledges=found["items"], total=found["total"], offset=offset, limit=PAGE)
