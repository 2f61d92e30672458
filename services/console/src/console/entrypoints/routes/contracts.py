"""Contracts: a desk's (its lines), a lead's, a company's; a contract with its lots and
planned against delivered per month as a chart, live."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import User
from console.views.charts import Series, bars
from console.views.deliveries import by_month

router = APIRouter()
PAGE = 20
LOTS_SHOWN = 200


@router.get("/contracts", response_class=HTMLResponse)
async def contracts(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("contracts", "/v1/contracts")
    return await listing(request, api, user.token, source, "contracts.html", "contracts", offset=offset, limit=PAGE)


async def contract_view(api: Api, token: str, contract_id: str, today: date | None = None) -> dict[str, Any]:
    contract = await api.get("contracts", f"/v1/contracts/{contract_id}", token)
    lots = await api.get("contracts", f"/v1/contracts/{contract_id}/lots", token, limit=LOTS_SHOWN)
    months, planned, delivered = by_month(lots["items"])
    chart = bars(
        f"Planned against delivered per month, contract {contract_id}",
        months,
        [Series("planned", "planned", planned), Series("delivered", "delivered", delivered)],
    )
    rows = list(zip(months, planned, delivered, strict=True))
    log = await api.get("contracts", f"/v1/contracts/{contract_id}/change-log", token, limit=50)
    return {
        "contract": contract,
        "lots": lots["items"],
        "lot_total": lots["total"],
        "chart": chart,
        "months": rows,
        "log": log["items"],
    }


@router.get("/contracts/{contract_id}", response_class=HTMLResponse)
async def contract_page(request: Request, contract_id: str, user: User, api: Api) -> HTMLResponse:
    view = await contract_view(api, user.token, contract_id)
    return page(request, "contract.html", live=f"/live/contracts/{contract_id}", **view)


@router.get("/contracts/{contract_id}/lots/{lot_id}", response_class=HTMLResponse)
async def lot_page(request: Request, contract_id: str, lot_id: str, user: User, api: Api) -> HTMLResponse:
    """A lot of the contract as the reader may see it, with what arrived and its history."""
    lots = await api.get("contracts", f"/v1/contracts/{contract_id}/lots", user.token, limit=LOTS_SHOWN)
    lot = next((x for x in lots["items"] if x["id"] == lot_id), None)
    if lot is None:
        raise ApiError(404, {"title": f"lot {lot_id} not found"})
    contract = await api.get("contracts", f"/v1/contracts/{contract_id}", user.token)
    arrived = await api.get("contracts", f"/v1/lots/{lot_id}/deliveries", user.token, limit=LOTS_SHOWN)
    history = await api.get("contracts", f"/v1/lots/{lot_id}/history", user.token, limit=LOTS_SHOWN)
    return page(request, "lot.html", contract=contract, lot=lot, arrived=arrived["items"], history=history["items"])
