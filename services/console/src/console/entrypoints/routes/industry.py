"""A company's pages: the tenders it may offer to beside the opportunity notices it was
sent, and its webhook endpoints with their health, their attempt log and a resend."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import Form, User

router = APIRouter()
PAGE = 50
NOTICES_SHOWN = 20


@router.get("/tenders", response_class=HTMLResponse)
async def tenders(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    """Beside the open tenders, the opportunity notices its endpoints received: bundles and
    funds opened, what may come to a tender later."""
    found = await api.get("contracts", "/v1/tenders", user.token, limit=PAGE, offset=max(0, offset))
    notices = await api.get("notifications", "/v1/opportunities", user.token, limit=NOTICES_SHOWN)
    return page(
        request, "tenders.html", tenders=found["items"], total=found["total"], offset=offset, limit=PAGE,
        notices=notices["items"], notice_total=notices["total"],
    )  # fmt: skip


@router.get("/endpoints", response_class=HTMLResponse)
async def endpoints(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("notifications", "/v1/endpoints")
    return await listing(request, api, user.token, source, "endpoints.html", "endpoints", offset=offset, limit=PAGE)


@router.get("/endpoints/{endpoint_id}", response_class=HTMLResponse)
async def endpoint(request: Request, endpoint_id: str, user: User, api: Api) -> HTMLResponse:
    found = await api.get("notifications", f"/v1/endpoints/{endpoint_id}", user.token)
    attempts = await api.get("notifications", f"/v1/endpoints/{endpoint_id}/attempts", user.token, limit=PAGE)
    return page(request, "endpoint.html", endpoint=found, attempts=attempts["items"], attempt_total=attempts["total"])


@router.post("/endpoints/{endpoint_id}/messages/{message_id}/resend", response_model=None)
async def resend(
    request: Request, endpoint_id: str, message_id: str, user: User, api: Api, _: Form
) -> RedirectResponse:
    await api.post("notifications", f"/v1/endpoints/{endpoint_id}/messages/{message_id}/resend", user.token)
    return RedirectResponse(f"/endpoints/{endpoint_id}", status_code=303)
