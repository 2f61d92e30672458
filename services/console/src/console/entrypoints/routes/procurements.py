"""Procurements: the list the reader may see; a procurement with its published weights, the
offers and, once awarded, the ranking with why each offer ranks where it does, in the
service's words. Its contracting authority awards and signs, each after a ticked
confirmation; what a bidder or a buying nation may not see, the service does not answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import Api, Today, page
from console.entrypoints.session import Form, SignedIn, User
from console.views.confirmation import unticked
from console.views.procurement import decisions, weights_in_percent

router = APIRouter()
PAGE = 50
OFFERS_SHOWN = 100


@router.get("/procurements", response_class=HTMLResponse)
async def procurements(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    found = await api.get("contracts", "/v1/procurements", user.token, limit=PAGE, offset=max(0, offset))
    return page(
        request, "procurements.html", procurements=found["items"], total=found["total"], offset=offset, limit=PAGE
    )


async def procurement_view(api: Api, user: SignedIn, procurement_id: str, today: date) -> dict[str, Any]:
    found = await api.get("contracts", f"/v1/procurements/{procurement_id}", user.token)
    offers = await api.get("contracts", f"/v1/procurements/{procurement_id}/offers", user.token, limit=OFFERS_SHOWN)
    ranking = await api.get(
        "contracts", f"/v1/procurements/{procurement_id}/evaluation", user.token, limit=OFFERS_SHOWN
    )
    names = {a["supplier_id"]: a["supplier_organisation"] for a in ranking["items"]}
    return {
        "procurement": found,
        "weights": weights_in_percent(found["weights"]),
        "offers": offers["items"],
        "offer_total": offers["total"],
        "ranking": ranking["items"],
        "names": names,
        "decisions": decisions(found),
        "runs_it": user.party == found["contracting_authority"],
        "offers_open": date.fromisoformat(found["offers_due"]) >= today,
    }


@router.get("/procurements/{procurement_id}", response_class=HTMLResponse)
async def procurement(request: Request, procurement_id: str, user: User, api: Api, today: Today) -> HTMLResponse:
    return page(request, "procurement.html", error=None, **await procurement_view(api, user, procurement_id, today))


async def _act(
    request: Request, procurement_id: str, act: str, user: SignedIn, api: Api, form: dict[str, str], today: date
) -> HTMLResponse | RedirectResponse:
    """Awarding starts the standstill and signing binds the contracts: neither is undone,
    so each asks for a ticked confirmation; the service's refusal is shown with its rule."""
    refusal = unticked(form, f"{act} this procurement")
    try:
        if refusal is not None:
            raise ApiError(422, {"title": refusal})
        await api.post("contracts", f"/v1/procurements/{procurement_id}/{act}", user.token)
    except ApiError as refused:
        view = await procurement_view(api, user, procurement_id, today)
        return page(request, "procurement.html", refused.status, error=refused.detail, **view)
    return RedirectResponse(f"/procurements/{procurement_id}", status_code=303)


@router.post("/procurements/{procurement_id}/award", response_model=None)
async def award(
    request: Request, procurement_id: str, user: User, api: Api, form: Form, today: Today
) -> HTMLResponse | RedirectResponse:
    return await _act(request, procurement_id, "award", user, api, form, today)


@router.post("/procurements/{procurement_id}/sign", response_model=None)
async def sign(
    request: Request, procurement_id: str, user: User, api: Api, form: Form, today: Today
) -> HTMLResponse | RedirectResponse:
    return await _act(request, procurement_id, "sign", user, api, form, today)
